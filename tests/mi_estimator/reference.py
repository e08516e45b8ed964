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


def ksg_estimate(activations: np.ndarray, labels: np.ndarray, noise_variance: float, k: int = 3,
                 noise_draws: int = 8, seed: int = 0) -> tuple[float, float]:
    """Ross's estimate of I(X;T) and I(T;Y) in bits for T = rows + noise, one point at a time with full distance
    rows (``mi_estimator.ksg``'s definition; the same noise draws)."""
    from scipy.special import digamma

    activations = np.asarray(activations, dtype=np.float64)
    n_rows, width = activations.shape
    noise = np.random.default_rng(seed).normal(scale=np.sqrt(noise_variance), size=(n_rows, noise_draws, width))
    points = (activations[:, None, :] + noise).reshape(-1, width)
    rows = np.repeat(np.arange(n_rows), noise_draws)
    point_labels = np.repeat(np.asarray(labels), noise_draws)

    def ross(groups: np.ndarray) -> float:
        total = 0.0
        for i, point in enumerate(points):
            distances = np.abs(points - point).max(axis=1)
            others_in_group = (groups == groups[i]) & (np.arange(len(points)) != i)
            radius = np.sort(distances[others_in_group])[k - 1]
            within = np.count_nonzero(distances <= radius) - 1
            total += digamma(np.count_nonzero(groups == groups[i])) + digamma(within)
        return (digamma(len(points)) + digamma(k) - total / len(points)) / np.log(2)

    mi_xt = min(max(ross(rows), 0.0), np.log2(n_rows))
    _, counts = np.unique(labels, return_counts=True)
    h_y = float(-(counts / counts.sum() * np.log2(counts / counts.sum())).sum())
    return mi_xt, min(max(ross(point_labels), 0.0), h_y)


def edge_estimate(activations: np.ndarray, labels: np.ndarray, epsilon: float,
                  n_ensemble: int = 4) -> tuple[float, float]:
    """EDGE with floor hashing of each unit, cells counted in a dictionary (no second hash), in bits:
    the mean over grids shifted by l / L of sum over (cell, label) edges of N_ij / N log2(N N_ij / (N_i N_j))."""
    labels = np.asarray(labels)
    n_rows = len(labels)
    estimates = []
    for member in range(n_ensemble):
        cells = [tuple(row) for row in np.floor(np.asarray(activations, dtype=np.float64) / epsilon
                                                + member / n_ensemble).astype(np.int64)]
        cell_counts, joint_counts, label_counts = {}, {}, {}
        for cell, label in zip(cells, labels):
            cell_counts[cell] = cell_counts.get(cell, 0) + 1
            joint_counts[cell, label] = joint_counts.get((cell, label), 0) + 1
            label_counts[label] = label_counts.get(label, 0) + 1
        mi_xt = sum(np.log2(n_rows / cell_counts[cell]) for cell in cells) / n_rows
        mi_ty = sum(count / n_rows * np.log2(n_rows * count / (cell_counts[cell] * label_counts[label]))
                    for (cell, label), count in joint_counts.items())
        estimates.append((mi_xt, mi_ty))
    return tuple(float(max(value, 0.0)) for value in np.mean(estimates, axis=0))


def distinct_row_count(activations: np.ndarray, labels: np.ndarray, _unused: float | None = None) -> tuple[float, float]:
    """I(X;T) = H(T) and I(T;Y) in bits of one [N, d] snapshot, T's exact rows counted in a dictionary
    (0.0 added to each value so that -0.0 and 0.0 are one key)."""
    labels = np.asarray(labels)
    rows = [tuple(float(value) + 0.0 for value in row) for row in np.asarray(activations)]
    n_rows = len(rows)

    def entropy(counts: dict) -> float:
        p = np.array(list(counts.values()), dtype=float) / n_rows
        return float(-(p * np.log2(p)).sum())

    row_counts, joint_counts, label_counts = {}, {}, {}
    for row, label in zip(rows, labels):
        row_counts[row] = row_counts.get(row, 0) + 1
        joint_counts[row, label] = joint_counts.get((row, label), 0) + 1
        label_counts[label] = label_counts.get(label, 0) + 1
    h_t = entropy(row_counts)
    return h_t, h_t + entropy(label_counts) - entropy(joint_counts)
