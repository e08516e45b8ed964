"""Kernel sums of the KDE bounds for narrow layers: each pair once, near pairs only, vectorised by numba.

For rows t_i of one layer with class weights w_i (multiplicities per class) it returns, for every row and class c,
sum_j w_jc exp(-s D_ij) and sum_j w_jc exp(-4 s D_ij) with D_ij = ||t_i - t_j||^2, the sums of the lower and the
upper bound's kernels.

- The kernel is symmetric: the pair (i, j), i < j, adds to row i's sums and to row j's; each pair is evaluated once.
- The rows are sorted along their widest coordinate; row i is compared with the rows after it whose coordinate
  differs by less than sqrt(D_cut) only. Every skipped pair has D_ij >= D_cut, and D_cut is chosen so that all
  skipped terms of a row together are below ``SKIP_TOLERANCE`` times its sum: a row's sum holds its own term
  (multiplicity >= 1 times exp(0)) and at most N terms are skipped, each below exp(-s D_cut) = SKIP_TOLERANCE / N.
  A log-sum moves by at most SKIP_TOLERANCE nats, I(X;T) and I(T;Y) by at most 3 SKIP_TOLERANCE bits.
- The exponential is a float32 polynomial (Cephes' expf: range reduction by ln 2, degree-6 polynomial, relative
  error ~1e-7) written inline so that LLVM vectorises the loop over pairs (numba's ``math.exp`` is a call that does
  not vectorise). Sums are accumulated in float64.

numba compiles the kernel on first use (cached on disk next to this module when the folder is writable).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

SKIP_TOLERANCE = 1e-12


@intrinsic
def _float32_from_bits(typingctx, bits):
    """Reinterpret an int32 as the float32 with the same bits (LLVM bitcast, vectorisable)."""
    signature = types.float32(types.int32)

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(types.float32))

    return signature, codegen


@numba.njit(inline="always", fastmath=True)
def _exp_of_non_positive(x):
    """exp(x) for float32 x <= 0 (0 below -87, where float32 has no normal result)."""
    clamped = max(x, np.float32(-87.0))
    n = np.floor(clamped * np.float32(1.44269504088896341) + np.float32(0.5))
    r = clamped - n * np.float32(0.693359375) + n * np.float32(2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    e = p * r * r + r + np.float32(1.0)
    scale = _float32_from_bits((np.int32(n) + np.int32(127)) << np.int32(23))
    return e * scale if x >= np.float32(-87.0) else np.float32(0.0)


@numba.njit(fastmath=True, cache=True, nogil=True)
def _pair_sums(points, weights, window_end, scale_lower, lower, upper):
    """points [d, M] float32, weights [C, M] float32, window_end [M]: row i is paired with rows i+1..end-1.
    Adds the kernel sums into lower and upper [C, M] float64."""
    # Loops run over views from index 0 (range(count)): LLVM vectorises those, not range(start, end).
    width, n_rows = points.shape
    n_classes = weights.shape[0]
    distances_buffer = np.empty(n_rows, dtype=np.float32)
    lower_buffer = np.empty(n_rows, dtype=np.float32)
    upper_buffer = np.empty(n_rows, dtype=np.float32)
    for i in range(n_rows):
        for c in range(n_classes):
            lower[c, i] += weights[c, i]
            upper[c, i] += weights[c, i]
        start = i + 1
        count = window_end[i] - start
        if count <= 0:
            continue
        distances = distances_buffer[:count]
        for k in range(width):
            coordinate = points[k, i]
            others = points[k, start:start + count]
            if k == 0:
                for j in range(count):
                    difference = coordinate - others[j]
                    distances[j] = difference * difference
            else:
                for j in range(count):
                    difference = coordinate - others[j]
                    distances[j] = distances[j] + difference * difference
        kernel_lower = lower_buffer[:count]
        kernel_upper = upper_buffer[:count]
        for j in range(count):
            value = _exp_of_non_positive(-scale_lower * distances[j])
            kernel_lower[j] = value
            squared = value * value
            kernel_upper[j] = squared * squared
        for c in range(n_classes):
            own_weight = weights[c, i]
            other_weights = weights[c, start:start + count]
            other_lower = lower[c, start:start + count]
            other_upper = upper[c, start:start + count]
            row_lower = 0.0
            row_upper = 0.0
            for j in range(count):
                row_lower += kernel_lower[j] * other_weights[j]
                row_upper += kernel_upper[j] * other_weights[j]
                other_lower[j] += kernel_lower[j] * own_weight
                other_upper[j] += kernel_upper[j] * own_weight
            lower[c, i] += row_lower
            upper[c, i] += row_upper


def skip_distance(total_weight: float, scale_lower: float) -> float:
    """D_cut: pairs at squared distance D_cut or more add below ``SKIP_TOLERANCE`` / ``total_weight`` each."""
    return float((np.log(max(total_weight, 1.0)) - np.log(SKIP_TOLERANCE)) / scale_lower)


def sorted_windows(points: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Order of the rows along their widest coordinate, and for each sorted row i the end of its window:
    every later row j with squared distance below ``cutoff`` lies in i+1..end-1.

    Returns:
        ``(order, window_end)``: sorted row k is ``points[order[k]]``; ``window_end`` [N] int64.
    """
    widest = int(np.argmax(points.max(axis=0) - points.min(axis=0))) if len(points) else 0
    order = np.argsort(points[:, widest], kind="stable")
    coordinate = points[order, widest].astype(np.float64)
    window_end = np.searchsorted(coordinate, coordinate + np.sqrt(cutoff), side="right").astype(np.int64)
    return order, window_end


def pair_kernel_sums(points: np.ndarray, weights: np.ndarray, scale_lower: float) -> tuple[np.ndarray, np.ndarray]:
    """Kernel sums of both bounds for every row of ``points``.

    Args:
        points: [N, d] rows (distinct, or with their multiplicity in ``weights``).
        weights: [N, C] weight of each row in each class.
        scale_lower: s = 1 / (8 s2); the upper bound's kernel is exp(-4 s D).

    Returns:
        ``(lower, upper)``, each [N, C] float64: sums of exp(-s D_ij) w_jc and of exp(-4 s D_ij) w_jc over j.
    """
    points = np.asarray(points, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32)
    order, window_end = sorted_windows(points, skip_distance(float(weights.sum()), scale_lower))
    lower = np.zeros((weights.shape[1], len(points)), dtype=np.float64)
    upper = np.zeros_like(lower)
    _pair_sums(np.ascontiguousarray(points[order].T), np.ascontiguousarray(weights[order].T), window_end,
               np.float32(scale_lower), lower, upper)
    in_order = np.empty_like(order)
    in_order[order] = np.arange(len(order))
    return lower.T[in_order], upper.T[in_order]
