"""Straightforward reference implementations of the estimators' formulas, for benchmarks only.

One (snapshot, layer, class) at a time, with plain numpy, as the original framework did:
a fresh distance matrix per call, ``logsumexp`` over it, separate calls for each bound. Distances
are computed in float64 (until recently in the activations' float32), so the naive results are
also the accuracy reference.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

LOG2 = np.log(2.0)


def entropy_of_rows(rows: np.ndarray) -> float:
    _, counts = np.unique(rows, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def binning(activations: np.ndarray, labels: np.ndarray, bin_width: float) -> tuple[float, float]:
    """I(X;T), I(T;Y) in bits of one [N, d] snapshot, binning of width ``bin_width``."""
    binned = np.floor(activations / bin_width)
    h_t = entropy_of_rows(binned)
    h_t_given_y = sum(np.mean(labels == c) * entropy_of_rows(binned[labels == c]) for c in np.unique(labels))
    return h_t, h_t - h_t_given_y


def pairwise_squared_distances(points: np.ndarray) -> np.ndarray:
    """||a||^2 + ||b||^2 - 2 a.b in float64, the points centred first (distances do not depend on it)."""
    points = np.asarray(points, dtype=np.float64)
    points = points - points.mean(axis=0)
    squared_norms = (points ** 2).sum(axis=1)
    return squared_norms[:, None] + squared_norms[None, :] - 2 * points @ points.T


def kde_entropy_term(points: np.ndarray, scale: float) -> float:
    """-mean_i ln( 1/N sum_j exp(-scale D_ij) ) in nats."""
    distances = pairwise_squared_distances(points)
    return float(-np.mean(logsumexp(-scale * distances, axis=1) - np.log(len(points))))


def kde_bound(activations: np.ndarray, labels: np.ndarray, noise_variance: float, bound: str) -> tuple[float, float]:
    """I(X;T), I(T;Y) in bits of one [N, d] snapshot for the upper or lower KDE bound."""
    scale = 1 / (2 * noise_variance) if bound == "upper" else 1 / (8 * noise_variance)
    h_t = kde_entropy_term(activations, scale)
    h_t_given_y = sum(np.mean(labels == c) * kde_entropy_term(activations[labels == c], scale)
                      for c in np.unique(labels))
    return h_t / LOG2, (h_t - h_t_given_y) / LOG2


def kde_bounds_blocked(activations: np.ndarray, labels: np.ndarray, noise_variance: float,
                       block_rows: int = 1000) -> dict[str, tuple[float, float]]:
    """Both KDE bounds of one [N, d] snapshot in float64, ``{"upper": (I_XT, I_TY), "lower": ...}`` in bits, a block
    of rows at a time (memory ~ block_rows x N, for N in the tens of thousands): the same formulas as ``kde_bound``,
    all classes from one distance block."""
    points = np.asarray(activations, dtype=np.float64)
    points = points - points.mean(axis=0)
    labels = np.asarray(labels)
    classes, class_index = np.unique(labels, return_inverse=True)
    rows_per_class = np.bincount(class_index)
    squared_norms = (points ** 2).sum(axis=1)
    log_mean = {bound: np.empty((2, len(points))) for bound in ("upper", "lower")}
    for start in range(0, len(points), block_rows):
        block = slice(start, start + block_rows)
        distances = squared_norms[block, None] + squared_norms[None, :] - 2 * points[block] @ points.T
        own = class_index[block, None] == class_index[None, :]
        for bound, scale in (("upper", 1 / (2 * noise_variance)), ("lower", 1 / (8 * noise_variance))):
            log_mean[bound][0, block] = logsumexp(-scale * distances, axis=1) - np.log(len(points))
            log_mean[bound][1, block] = (logsumexp(np.where(own, -scale * distances, -np.inf), axis=1)
                                         - np.log(rows_per_class[class_index[block]]))
    return {bound: (float(-values[0].mean() / LOG2), float((values[1] - values[0]).mean() / LOG2))
            for bound, values in log_mean.items()}
