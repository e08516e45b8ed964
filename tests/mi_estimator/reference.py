"""The estimators' formulas (notes/reference.md, kde.py's docstring) evaluated literally in float64,
one snapshot and one class at a time, for tests to hold the fast estimators against."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

KDE_SCALES = {"upper": 0.5, "lower": 0.125}  # c * s2 in exp(-c D_ij)


def squared_distances(points: np.ndarray) -> np.ndarray:
    """D_ij = sum_k (t_ik - t_jk)^2 in float64, from the coordinate differences, one row at a time."""
    points = np.asarray(points, dtype=np.float64)
    return np.stack([np.square(points - row).sum(axis=1) for row in points])


def kde_bounds(activations: np.ndarray, labels: np.ndarray, noise_variance: float) -> dict[str, tuple[float, float]]:
    """Both Kolchinsky-Tracey bounds of one [N, d] snapshot: ``{"upper": (I_XT, I_TY), "lower": ...}`` in bits."""
    labels = np.asarray(labels)
    distances = squared_distances(activations)

    def entropy_term(mask: np.ndarray, scale: float) -> float:
        """-mean_i ln( 1/N sum_j exp(-scale D_ij) ) over the rows in ``mask``, in nats."""
        within = distances[np.ix_(mask, mask)]
        return float(-np.mean(logsumexp(-scale * within, axis=1) - np.log(mask.sum())))

    everything = np.ones(len(labels), dtype=bool)
    results = {}
    for bound, scale_times_s2 in KDE_SCALES.items():
        scale = scale_times_s2 / noise_variance
        h_t = entropy_term(everything, scale)
        h_t_given_y = sum(np.mean(labels == c) * entropy_term(labels == c, scale) for c in np.unique(labels))
        results[bound] = (h_t / np.log(2), (h_t - h_t_given_y) / np.log(2))
    return results


def binning_bounds(activations: np.ndarray, labels: np.ndarray, bin_width: float) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in bits of one [N, d] snapshot binned with ``floor(a / w)``, rows counted by np.unique."""
    labels = np.asarray(labels)
    binned = np.floor(np.asarray(activations) / bin_width)

    def entropy_of_rows(rows: np.ndarray) -> float:
        _, counts = np.unique(rows, axis=0, return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log2(p)).sum())

    h_t = entropy_of_rows(binned)
    h_t_given_y = sum(np.mean(labels == c) * entropy_of_rows(binned[labels == c]) for c in np.unique(labels))
    return h_t, h_t - h_t_given_y
