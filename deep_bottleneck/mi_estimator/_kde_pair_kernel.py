"""Kernel sums of the KDE bounds: each pair once, near pairs only, vectorised by numba, at any width.

For rows t_i of one layer with class weights w_i (multiplicities per class) it returns, for every row and class c,
sum_j w_jc exp(-s D_ij) and sum_j w_jc exp(-4 s D_ij) with D_ij = ||t_i - t_j||^2, the sums of the lower and the
upper bound's kernels.

- The kernel is symmetric: the pair (i, j), i < j, adds to row i's sums and to row j's; each pair is evaluated once.
- Pairs at D_ij >= D_cut are dropped. D_cut is chosen so that all dropped terms of a row together are below
  ``SKIP_TOLERANCE`` times its sum: a row's sum holds its own term (multiplicity >= 1 times exp(0)) and at most N
  terms are dropped, each below exp(-s D_cut) = SKIP_TOLERANCE / N. A log-sum moves by at most SKIP_TOLERANCE nats,
  I(X;T) and I(T;Y) by at most 3 SKIP_TOLERANCE bits.
- Near pairs are found with a k-d tree (``_kd_tree``) over pruning coordinates: the rows themselves up to
  ``DIRECT_MAX_WIDTH`` units, above that their coordinates along ``FILTER_AXES`` orthonormal principal axes (the
  distance along orthonormal axes is at most the full distance). Each leaf of the tree meets only the leaves whose
  bounding boxes are nearer than sqrt(D_cut) to its own on every axis together (the squared gaps between the boxes
  summed), and each of its rows only those leaves whose box is that near to the row. Wide rows then compare their
  principal coordinates, in float64, and compute the full distance only where that partial distance is below
  D_cut. The tests use a radius widened by 1e-9 relative, by the principal axes' departure from orthonormality, and
  by 1e-9 times the largest row norm, which covers the rounding of the float64 coordinates, so no pair nearer than
  D_cut is dropped (``tests/mi_estimator/test_kde_pair_kernel.py`` checks that every such pair is computed).
- Distances are summed from float32 coordinate differences of the rows as given (differences of close float32
  values are exact), in float32 up to ``DIRECT_MAX_WIDTH`` units and in float64 above. The exponential is a float32
  polynomial (Cephes' expf: range reduction by ln 2, degree-6 polynomial, relative error ~1e-7) written inline so
  that LLVM vectorises the loop over pairs (numba's ``math.exp`` is a call that does not vectorise). Sums are
  accumulated in float64.

numba compiles the kernels once per process (cached on disk next to this module when the folder is writable); no
compiled program depends on the number of rows or the width, so every snapshot, layer and repetition reuses them.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

from deep_bottleneck.mi_estimator import _kd_tree

SKIP_TOLERANCE = 1e-6
#: Up to this width distances are summed directly for every pair of near leaves.
DIRECT_MAX_WIDTH = 32
#: Wider rows are compared along this many principal axes before their full distance is computed.
FILTER_AXES = 16
#: Principal axes are estimated from at most this many rows (at an even stride).
AXES_SAMPLE_ROWS = 512
#: Relative margin of the pruning tests against the rounding of the pruning coordinates.
MARGIN = 1e-9
#: Rows per leaf of the tree.
LEAF_SIZE = 32


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


def skip_distance(total_weight: float, scale_lower: float) -> float:
    """D_cut: pairs at squared distance D_cut or more add below ``SKIP_TOLERANCE`` / ``total_weight`` each."""
    return float((np.log(max(total_weight, 1.0)) - np.log(SKIP_TOLERANCE)) / scale_lower)


@numba.njit(cache=True, nogil=True)
def _orthonormal_columns(matrix):
    """Orthonormalise the columns of ``matrix`` [d, m] (float64) in order: Gram-Schmidt, twice over."""
    basis = matrix.copy()
    for column in range(basis.shape[1]):
        for _ in range(2):
            for previous in range(column):
                projection = 0.0
                for k in range(basis.shape[0]):
                    projection += basis[k, previous] * basis[k, column]
                for k in range(basis.shape[0]):
                    basis[k, column] -= projection * basis[k, previous]
        norm = 0.0
        for k in range(basis.shape[0]):
            norm += basis[k, column] * basis[k, column]
        norm = np.sqrt(norm)
        for k in range(basis.shape[0]):
            basis[k, column] /= norm
    return basis


@numba.njit(fastmath=True, cache=True, nogil=True)
def _times(rows, matrix):
    """rows [n, d] (float32) times matrix [d, m] (float64), in float64, on one thread."""
    n_columns = matrix.shape[1]
    padded = -(-n_columns // 4) * 4
    columns = np.zeros((padded, matrix.shape[0]))
    columns[:n_columns] = matrix.T
    product = np.empty((rows.shape[0], padded))
    row = np.empty(rows.shape[1])
    for i in range(rows.shape[0]):
        for k in range(len(row)):
            row[k] = rows[i, k]
        for a in range(0, padded, 4):  # four columns per pass over the row
            first, second, third, fourth = columns[a], columns[a + 1], columns[a + 2], columns[a + 3]
            total_first = total_second = total_third = total_fourth = 0.0
            for k in range(len(row)):
                value = row[k]
                total_first += value * first[k]
                total_second += value * second[k]
                total_third += value * third[k]
                total_fourth += value * fourth[k]
            product[i, a] = total_first
            product[i, a + 1] = total_second
            product[i, a + 2] = total_third
            product[i, a + 3] = total_fourth
    return np.ascontiguousarray(product[:, :n_columns])


@numba.njit(fastmath=True, cache=True, nogil=True)
def _transposed_times(rows, matrix):
    """rows [n, d] (float32) transposed, times matrix [n, m] (float64), in float64, on one thread."""
    product = np.zeros((matrix.shape[1], rows.shape[1]))
    row = np.empty(rows.shape[1])
    for i in range(rows.shape[0]):
        for k in range(len(row)):
            row[k] = rows[i, k]
        for a in range(len(product)):
            weight = matrix[i, a]
            out = product[a]
            for k in range(len(row)):
                out[k] += weight * row[k]
    return np.ascontiguousarray(product.T)


def principal_axes(points: np.ndarray, count: int) -> np.ndarray:
    """Orthonormal directions of large variance of ``points`` [N, d] (float32), as columns [d, count] (float64).

    The leading eigenvectors of the covariance of at most ``AXES_SAMPLE_ROWS`` rows, by two subspace iterations
    from a fixed random start (Halko et al. 2011), orthonormalised in float64; all on one thread (numpy's threaded
    BLAS spins on a busy machine). How well they follow the variance decides only how much the pruning prunes; they
    are deterministic for given rows.
    """
    sample = points[:: max(1, len(points) // AXES_SAMPLE_ROWS)]
    sample = np.ascontiguousarray(sample - sample.mean(axis=0, dtype=np.float64), dtype=np.float32)
    basis = _orthonormal_columns(np.random.default_rng(0).normal(size=(points.shape[1], count + 8)))
    for _ in range(2):
        basis = _orthonormal_columns(_transposed_times(sample, _times(sample, basis)))
    along = _times(sample, basis)
    _, rotation = np.linalg.eigh(along.T @ along)
    return _orthonormal_columns(np.ascontiguousarray((basis @ rotation[:, ::-1])[:, :count]))


class PruningSpace(NamedTuple):
    """Where near pairs are looked for (see the module docstring).

    Attributes:
        coordinates: [N, A] float64: the rows (A = d) or their coordinates along orthonormal principal axes.
        reach: Pairs whose coordinates are this far apart or farther are at squared distance >= D_cut.
    """

    coordinates: np.ndarray
    reach: float


def pruning_space(points: np.ndarray, cutoff: float) -> PruningSpace:
    """The pruning coordinates of ``points`` [N, d] (float32) and the reach that keeps every pair nearer than
    ``cutoff`` (D_cut)."""
    width = points.shape[1]
    largest_norm = np.sqrt(max((np.einsum("ij,ij->i", block, block, dtype=np.float64).max(initial=0.0)
                                for block in np.array_split(points, max(1, len(points) // 4096))), default=0.0))
    if width <= DIRECT_MAX_WIDTH:
        coordinates, departure = points.astype(np.float64), 0.0
    else:
        axes = principal_axes(points, FILTER_AXES)
        departure = float(np.abs(axes.T @ axes - np.eye(FILTER_AXES)).max())
        coordinates = _times(points, axes)
    reach = np.sqrt(cutoff) * (1.0 + MARGIN + departure) + MARGIN * largest_norm
    return PruningSpace(coordinates, float(reach))


@numba.njit(inline="always")
def _box_gap_squared(lower, upper, node, other):
    """Squared Euclidean distance between the bounding boxes of two nodes (0 where they overlap)."""
    total = 0.0
    for k in range(lower.shape[1]):
        gap = max(lower[other, k] - upper[node, k], lower[node, k] - upper[other, k], 0.0)
        total += gap * gap
    return total


@numba.njit(inline="always")
def _point_gap_squared(coordinates, i, lower, upper, node):
    """Squared Euclidean distance of point i (``coordinates`` [A, M]) from a node's bounding box."""
    total = 0.0
    for k in range(lower.shape[1]):
        value = coordinates[k, i]
        gap = max(lower[node, k] - value, value - upper[node, k], 0.0)
        total += gap * gap
    return total


@numba.njit(inline="always")
def _near_leaves(leaf, first, last, children, lower, upper, reach_squared, stack, found):
    """Fill ``found`` with the leaves whose box is nearer than the reach to ``leaf``'s and whose rows are ``leaf``'s
    or come after them; return how many."""
    n_found = 0
    depth = 1
    stack[0] = 0
    while depth > 0:
        depth -= 1
        node = stack[depth]
        if last[node] <= first[leaf] or _box_gap_squared(lower, upper, leaf, node) >= reach_squared:
            continue
        if children[node, 0] < 0:
            found[n_found] = node
            n_found += 1
        else:
            stack[depth] = children[node, 1]
            stack[depth + 1] = children[node, 0]
            depth += 2
    return n_found


@numba.njit(inline="always")
def _row_ranges(i, leaf, partners, n_partners, coordinates, first, last, lower, upper, reach_squared, ranges):
    """Fill ``ranges`` [:, 2] with the ranges of rows (start, end) that row i of ``leaf`` is paired with: the later
    rows of its leaf and the rows of the near leaves (ascending) whose box is within the reach of row i, adjacent
    leaves merged into one range; return how many."""
    n_ranges = 0
    for p in range(n_partners):
        partner = partners[p]
        if partner == leaf:
            start = i + 1
        elif _point_gap_squared(coordinates, i, lower, upper, partner) < reach_squared:
            start = first[partner]
        else:
            continue
        if start >= last[partner]:
            continue
        if n_ranges > 0 and ranges[n_ranges - 1, 1] == start:
            ranges[n_ranges - 1, 1] = last[partner]
        else:
            ranges[n_ranges, 0] = start
            ranges[n_ranges, 1] = last[partner]
            n_ranges += 1
    return n_ranges


@numba.njit(inline="always", fastmath=True)
def _add_pair(i, j, distance, labels, weights, scale_lower, sums):
    """Add the pair (i, j) at squared distance ``distance`` to ``sums``."""
    kernel_lower = _exp_of_non_positive(np.float32(-scale_lower * distance))
    squared = kernel_lower * kernel_lower
    kernel_upper = squared * squared
    sums[0, i] += kernel_lower * weights[j]
    sums[2, i] += kernel_upper * weights[j]
    sums[0, j] += kernel_lower * weights[i]
    sums[2, j] += kernel_upper * weights[i]
    if labels[j] == labels[i]:
        sums[1, i] += kernel_lower * weights[j]
        sums[3, i] += kernel_upper * weights[j]
        sums[1, j] += kernel_lower * weights[i]
        sums[3, j] += kernel_upper * weights[i]


@numba.njit(inline="always", fastmath=True)
def _add_direct_range(i, start, count, points, labels, weights, scale_lower, cutoff, sums, buffers, survivors):
    """Add the pairs (i, j), j in start..start+count-1, of ``points`` [d, M] to ``sums`` (distances in float32).
    Where few of them are nearer than ``cutoff``, only those are added."""
    # Loops run over views from index 0 (range(count)): LLVM vectorises those, not range(start, end).
    if count <= 0:
        return
    distances = buffers[0, :count]
    for k in range(points.shape[0]):
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
    n_near = 0
    for j in range(count):
        n_near += distances[j] < cutoff
    if 4 * n_near < count:
        n_near = 0
        for j in range(count):
            if distances[j] < cutoff:
                survivors[n_near] = j
                n_near += 1
        for s in range(n_near):
            j = survivors[s]
            _add_pair(i, start + j, distances[j], labels, weights, scale_lower, sums)
        return
    kernel_lower = buffers[1, :count]
    kernel_upper = buffers[2, :count]
    for j in range(count):
        value = _exp_of_non_positive(-scale_lower * distances[j])
        kernel_lower[j] = value
        squared = value * value
        kernel_upper[j] = squared * squared
    # Weights of the other rows in row i's class (0 for other classes), and row i's weight in theirs.
    own_label = labels[i]
    own_weight = weights[i]
    other_labels = labels[start:start + count]
    other_weights = weights[start:start + count]
    same_weights = buffers[3, :count]
    for j in range(count):
        same_weights[j] = other_weights[j] if other_labels[j] == own_label else np.float32(0.0)
    lower_all = lower_own = upper_all = upper_own = 0.0
    for j in range(count):
        lower_all += kernel_lower[j] * other_weights[j]
        upper_all += kernel_upper[j] * other_weights[j]
        lower_own += kernel_lower[j] * same_weights[j]
        upper_own += kernel_upper[j] * same_weights[j]
    for bound, kernel in ((0, kernel_lower), (2, kernel_upper)):
        other_all = sums[bound, start:start + count]
        other_own = sums[bound + 1, start:start + count]
        for j in range(count):
            other_all[j] += kernel[j] * own_weight
            other_own[j] += kernel[j] * (own_weight if same_weights[j] > 0 else np.float32(0.0))
    sums[0, i] += lower_all
    sums[1, i] += lower_own
    sums[2, i] += upper_all
    sums[3, i] += upper_own


@numba.njit(fastmath=True, cache=True, nogil=True)
def _direct_sums(points, labels, weights, coordinates, first, last, children, lower, upper, reach_squared,
                 scale_lower, cutoff, sums):
    """points [d, M] float32, labels [M], weights [M] float32 and coordinates [d, M] float64 in tree order; adds
    the kernel sums into ``sums`` [4, M] float64 (lower all, lower own class, upper all, upper own class). Returns
    the number of pairs evaluated."""
    n_rows = points.shape[1]
    buffers = np.empty((4, n_rows), dtype=np.float32)
    survivors = np.empty(n_rows, dtype=np.int64)
    stack = np.empty(len(first) + 1, dtype=np.int64)
    partners = np.empty(len(first), dtype=np.int64)
    ranges = np.empty((len(first), 2), dtype=np.int64)
    for i in range(n_rows):
        for bound_and_set in range(4):
            sums[bound_and_set, i] += weights[i]
    evaluated = 0
    for leaf in range(len(first)):
        if children[leaf, 0] >= 0:
            continue
        n_partners = _near_leaves(leaf, first, last, children, lower, upper, reach_squared, stack, partners)
        for i in range(first[leaf], last[leaf]):
            n_ranges = _row_ranges(i, leaf, partners, n_partners, coordinates, first, last, lower, upper,
                                   reach_squared, ranges)
            for r in range(n_ranges):
                start, end = ranges[r, 0], ranges[r, 1]
                _add_direct_range(i, start, end - start, points, labels, weights, scale_lower, cutoff, sums,
                                  buffers, survivors)
                evaluated += end - start
    return evaluated


@numba.njit(inline="always", fastmath=True)
def _filter_range(i, start, count, projected, filter_cutoff, partial, survivors):
    """Fill ``survivors`` with the rows j in start..start+count-1 whose squared distance from row i along the
    principal axes (``projected`` [A, M]) is below ``filter_cutoff``; return how many."""
    if count <= 0:
        return 0
    partial_distances = partial[:count]
    for j in range(count):
        partial_distances[j] = 0.0
    for axis in range(projected.shape[0]):
        coordinate = projected[axis, i]
        others = projected[axis, start:start + count]
        for j in range(count):
            difference = coordinate - others[j]
            partial_distances[j] += difference * difference
    n_survivors = 0
    for j in range(count):
        if partial_distances[j] < filter_cutoff:
            survivors[n_survivors] = start + j
            n_survivors += 1
    return n_survivors


@numba.njit(inline="always", fastmath=True)
def _add_filtered_range(i, start, count, rows, order, projected, labels, weights, scale_lower, filter_cutoff, sums,
                        partial, survivors):
    """Add the pairs (i, j), j in start..start+count-1, whose distance along the principal axes is below
    ``filter_cutoff``, computing their full distance from row ``order[i]`` and ``order[j]`` of ``rows`` [M, d]
    (float32 differences, float64 sums). Returns how many full distances were computed."""
    n_survivors = _filter_range(i, start, count, projected, filter_cutoff, partial, survivors)
    own_row = rows[order[i]]
    for s in range(n_survivors):
        j = survivors[s]
        other_row = rows[order[j]]
        distance = 0.0
        for k in range(len(own_row)):
            difference = np.float64(own_row[k] - other_row[k])
            distance += difference * difference
        _add_pair(i, j, distance, labels, weights, scale_lower, sums)
    return n_survivors


@numba.njit(fastmath=True, cache=True, nogil=True)
def _filtered_sums(rows, order, projected, labels, weights, first, last, children, lower, upper, reach_squared,
                   scale_lower, sums):
    """rows [M, d] float32 in the caller's order (tree row k is ``rows[order[k]]``), projected [A, M] float64,
    labels [M] and weights [M] float32 in tree order; adds the kernel sums into ``sums`` [4, M] float64 (as
    ``_direct_sums``). Returns the number of full distances computed."""
    n_rows = rows.shape[0]
    partial = np.empty(n_rows)
    survivors = np.empty(n_rows, dtype=np.int64)
    stack = np.empty(len(first) + 1, dtype=np.int64)
    partners = np.empty(len(first), dtype=np.int64)
    ranges = np.empty((len(first), 2), dtype=np.int64)
    for i in range(n_rows):
        for bound_and_set in range(4):
            sums[bound_and_set, i] += weights[i]
    evaluated = 0
    for leaf in range(len(first)):
        if children[leaf, 0] >= 0:
            continue
        n_partners = _near_leaves(leaf, first, last, children, lower, upper, reach_squared, stack, partners)
        for i in range(first[leaf], last[leaf]):
            n_ranges = _row_ranges(i, leaf, partners, n_partners, projected, first, last, lower, upper,
                                   reach_squared, ranges)
            for r in range(n_ranges):
                start, end = ranges[r, 0], ranges[r, 1]
                evaluated += _add_filtered_range(i, start, end - start, rows, order, projected, labels, weights,
                                                 scale_lower, reach_squared, sums, partial, survivors)
    return evaluated


@numba.njit(cache=True, nogil=True)
def _compared_pairs(coordinates, first, last, children, lower, upper, reach_squared, filtered, pairs):
    """The pairs of rows (in tree order) whose full distance the kernels compute, as the kernels find them; fills
    ``pairs`` [P, 2] when it is large enough and returns how many there are."""
    n_rows = coordinates.shape[1]
    partial = np.empty(n_rows)
    survivors = np.empty(n_rows, dtype=np.int64)
    stack = np.empty(len(first) + 1, dtype=np.int64)
    partners = np.empty(len(first), dtype=np.int64)
    ranges = np.empty((len(first), 2), dtype=np.int64)
    n_pairs = 0
    for leaf in range(len(first)):
        if children[leaf, 0] >= 0:
            continue
        n_partners = _near_leaves(leaf, first, last, children, lower, upper, reach_squared, stack, partners)
        for i in range(first[leaf], last[leaf]):
            n_ranges = _row_ranges(i, leaf, partners, n_partners, coordinates, first, last, lower, upper,
                                   reach_squared, ranges)
            for r in range(n_ranges):
                start, end = ranges[r, 0], ranges[r, 1]
                if filtered:
                    n_survivors = _filter_range(i, start, end - start, coordinates, reach_squared, partial,
                                                survivors)
                else:
                    n_survivors = end - start
                    for j in range(n_survivors):
                        survivors[j] = start + j
                for j in range(n_survivors):
                    if n_pairs < len(pairs):
                        pairs[n_pairs, 0] = i
                        pairs[n_pairs, 1] = survivors[j]
                    n_pairs += 1
    return n_pairs


def compared_pairs(points: np.ndarray, scale_lower: float, total_weight: float) -> np.ndarray:
    """The pairs of rows (i, j) of ``points`` [N, d] whose full distance ``pair_kernel_sums`` computes (every other
    pair is dropped), as [P, 2] row indices, for checking and measuring the pruning."""
    points = np.ascontiguousarray(points, dtype=np.float32)
    space = pruning_space(points, skip_distance(total_weight, scale_lower))
    tree = _kd_tree.build(space.coordinates, LEAF_SIZE)
    nodes = (tree.first, tree.last, tree.children, tree.lower, tree.upper, space.reach ** 2,
             points.shape[1] > DIRECT_MAX_WIDTH)
    pairs = np.empty((0, 2), dtype=np.int64)
    pairs = np.empty((_compared_pairs(tree.points, *nodes, pairs), 2), dtype=np.int64)
    _compared_pairs(tree.points, *nodes, pairs)
    return tree.order[pairs]


class PairKernelSums(NamedTuple):
    """``pair_kernel_sums``' result, each [N] float64 but the last: for each row i, sum_j w_j exp(-s D_ij) over all
    rows j and over the rows of i's class, the same with exp(-4 s D_ij), and how many pairs had their full distance
    computed (of N (N - 1) / 2)."""

    lower_all: np.ndarray
    lower_own: np.ndarray
    upper_all: np.ndarray
    upper_own: np.ndarray
    pairs_evaluated: int


def pair_kernel_sums(points: np.ndarray, labels: np.ndarray, weights: np.ndarray,
                     scale_lower: float) -> PairKernelSums:
    """Kernel sums of both bounds, over all rows and over each row's class, for every row of ``points``.

    Args:
        points: [N, d] rows (distinct, or with their multiplicity in ``weights``), used as float32.
        labels: [N] class of each row.
        weights: [N] weight (multiplicity) of each row.
        scale_lower: s = 1 / (8 s2); the upper bound's kernel is exp(-4 s D).
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32)
    cutoff = skip_distance(float(weights.sum()), scale_lower)
    space = pruning_space(points, cutoff)
    tree = _kd_tree.build(space.coordinates, LEAF_SIZE)
    nodes = (tree.first, tree.last, tree.children, tree.lower, tree.upper, space.reach ** 2)
    in_tree_order = (np.ascontiguousarray(np.asarray(labels, dtype=np.int64)[tree.order]),
                     np.ascontiguousarray(weights[tree.order]))
    sums = np.zeros((4, len(points)), dtype=np.float64)
    if points.shape[1] > DIRECT_MAX_WIDTH:
        evaluated = _filtered_sums(points, tree.order, tree.points, *in_tree_order, *nodes, np.float64(scale_lower),
                                   sums)
    else:
        # Pairs computed at a float32 distance >= cutoff may be dropped: their true distance is within 1e-6 of it.
        evaluated = _direct_sums(np.ascontiguousarray(points[tree.order].T), *in_tree_order, tree.points, *nodes,
                                 np.float32(scale_lower), np.float32(cutoff * (1 + 1e-6)), sums)
    in_caller_order = np.empty_like(sums)
    in_caller_order[:, tree.order] = sums
    return PairKernelSums(*in_caller_order, int(evaluated))
