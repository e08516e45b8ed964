"""Kolchinsky-Tracey pairwise-distance bounds on I(X;T) and I(T;Y) (Kolchinsky & Tracey 2017;
Saxe et al. 2018), for T = layer activations + Gaussian noise of variance ``s2``.

With D_ij = ||t_i - t_j||^2 and L_i(c) = ln( 1/N sum_j exp(-c D_ij) ):

    upper bound (pairwise KL):           c = 1 / (2 s2)
    lower bound (Bhattacharyya):         c = 1 / (8 s2)
    I(X;T) = -mean_i L_i(c)
    I(T;Y) = mean_i [ L_i^{y_i}(c) - L_i(c) ]   (L^{y}: the sum over rows of class y, over N_y)

Every pairwise kernel value is computed once for both bounds and all classes: the upper bound's
kernel is the lower's to the 4th power, and the class sums are one matrix product with the
class-membership matrix. Only blocks on and above the diagonal are evaluated (D is symmetric),
identical rows are merged with their multiplicity, and row blocks are spread over threads.
Memory is bounded by the block size, not by N^2.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from deep_bottleneck.mi_estimator.base import NATS_TO_BITS

BLOCK_ROWS = 1024
#: Widths up to this use float64 distances (cheap at small width, exact at small noise).
FLOAT64_MAX_WIDTH = 32


@dataclass(frozen=True)
class KernelSums:
    """Per distinct row u and class c: sum over rows j of class c of the kernel exp(-c D_uj).

    Attributes:
        lower: [U, C] sums of exp(-D / (8 s2)).
        upper: [U, C] sums of exp(-D / (2 s2)).
        class_counts: [U, C] how many of the original rows equal to row u have class c.
    """

    lower: np.ndarray
    upper: np.ndarray
    class_counts: np.ndarray


def merge_identical_rows(activations: np.ndarray, labels: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``activations`` and, for each, the count of original rows per class."""
    distinct, inverse = np.unique(activations, axis=0, return_inverse=True)
    counts = np.zeros((len(distinct), n_classes), dtype=np.float64)
    np.add.at(counts, (inverse.ravel(), labels), 1.0)
    return distinct, counts


def _block_task(points: np.ndarray, squared_norms: np.ndarray, weights: np.ndarray, block: slice,
                scale_lower: float) -> tuple[np.ndarray, np.ndarray]:
    """Kernel sums contributed by the pairs (block, rows at or after block.start), for the rows
    from block.start on (earlier rows get nothing from this block)."""
    n_rows = len(points)
    sums_lower = np.zeros((n_rows - block.start, weights.shape[1]), dtype=np.float64)
    sums_upper = np.zeros_like(sums_lower)
    rows = points[block]
    own = slice(0, block.stop - block.start)
    for start in range(block.start, n_rows, BLOCK_ROWS):
        columns = slice(start, min(start + BLOCK_ROWS, n_rows))
        distances = rows @ points[columns].T
        distances *= -2.0
        distances += squared_norms[block, None]
        distances += squared_norms[None, columns]
        np.maximum(distances, 0.0, out=distances)
        if start == block.start:
            np.fill_diagonal(distances, 0.0)
        exponent = distances.astype(np.float32, copy=False)
        exponent *= np.float32(-scale_lower)
        kernel_lower = np.exp(exponent, out=exponent)
        kernel_upper = np.square(kernel_lower)
        np.square(kernel_upper, out=kernel_upper)
        weights_columns = weights[columns]
        sums_lower[own] += kernel_lower @ weights_columns
        sums_upper[own] += kernel_upper @ weights_columns
        if start != block.start:
            local = slice(start - block.start, columns.stop - block.start)
            sums_lower[local] += kernel_lower.T @ weights[block]
            sums_upper[local] += kernel_upper.T @ weights[block]
    return sums_lower, sums_upper


def kernel_sums(activations: np.ndarray, labels: np.ndarray, noise_variance: float, n_classes: int,
                workers: int | None = None) -> KernelSums:
    """Compute the kernel sums of every distinct row against every class.

    Args:
        activations: [N, d] activations of one layer at one snapshot.
        labels: [N] class indices.
        noise_variance: s2, the variance of the added Gaussian noise.
        n_classes: Number of classes.
        workers: Threads to use (default: all cores).
    """
    activations = np.asarray(activations)
    labels = np.asarray(labels, dtype=np.int64)
    distinct, counts = merge_identical_rows(activations, labels, n_classes)
    dtype = np.float64 if distinct.shape[1] <= FLOAT64_MAX_WIDTH else np.float32
    points = (distinct - distinct.mean(axis=0)).astype(dtype)
    squared_norms = np.einsum("ij,ij->i", points, points)
    weights = counts.astype(np.float32)
    blocks = [slice(s, min(s + BLOCK_ROWS, len(points))) for s in range(0, len(points), BLOCK_ROWS)]
    scale_lower = 1.0 / (8.0 * noise_variance)
    sums_lower = np.zeros((len(points), n_classes), dtype=np.float64)
    sums_upper = np.zeros_like(sums_lower)
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Results are added in block order, so the sums do not depend on thread scheduling.
        for block, (partial_lower, partial_upper) in zip(blocks, pool.map(
            lambda block: _block_task(points, squared_norms, weights, block, scale_lower), blocks
        )):
            sums_lower[block.start:] += partial_lower
            sums_upper[block.start:] += partial_upper
    return KernelSums(sums_lower, sums_upper, counts)


def bounds_from_sums(sums: np.ndarray, class_counts: np.ndarray) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in bits from one bound's kernel sums [U, C] and class counts [U, C]."""
    n_rows = class_counts.sum()
    rows_per_class = class_counts.sum(axis=0)
    log_mean_all = np.log(sums.sum(axis=1) / n_rows)
    present = class_counts > 0
    log_mean_own = np.zeros_like(sums)
    log_mean_own[present] = np.log(sums[present] / np.broadcast_to(rows_per_class, sums.shape)[present])
    multiplicity = class_counts.sum(axis=1)
    mi_xt = -(multiplicity * log_mean_all).sum() / n_rows
    mi_ty = ((class_counts * log_mean_own).sum() - (multiplicity * log_mean_all).sum()) / n_rows
    return float(mi_xt * NATS_TO_BITS), float(max(mi_ty, 0.0) * NATS_TO_BITS)


class KDEBoundEstimator:
    """Upper or lower Kolchinsky-Tracey bound.

    Args:
        noise_variance: s2 (the config's ``discretization_range``).
        bound: ``"upper"`` or ``"lower"``.
        workers: Threads (default: all cores); results do not depend on it.
    """

    def __init__(self, noise_variance: float, bound: str, workers: int | None = None) -> None:
        if not noise_variance > 0:
            raise ValueError(f"noise_variance must be greater than 0, got {noise_variance}")
        if bound not in ("upper", "lower"):
            raise ValueError(f"bound must be 'upper' or 'lower', got {bound!r}")
        self.noise_variance = float(noise_variance)
        self.bound = bound
        self.workers = workers

    def estimate_both(self, activations: np.ndarray, labels: np.ndarray) -> dict[str, tuple[float, float]]:
        """Both bounds for one [N, d] matrix: ``{"upper": (I_XT, I_TY), "lower": (...)}`` in bits."""
        labels = np.asarray(labels, dtype=np.int64)
        sums = kernel_sums(activations, labels, self.noise_variance, int(labels.max()) + 1, self.workers)
        return {
            "upper": bounds_from_sums(sums.upper, sums.class_counts),
            "lower": bounds_from_sums(sums.lower, sums.class_counts),
        }

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits of the chosen bound for each snapshot of ``activations`` [S, N, d]."""
        results = np.array([self.estimate_both(snapshot, labels)[self.bound] for snapshot in activations])
        return results[:, 0], results[:, 1]
