"""Kolchinsky-Tracey pairwise-distance bounds on I(X;T) and I(T;Y) (Kolchinsky & Tracey 2017;
Saxe et al. 2018), for T = layer activations + Gaussian noise of variance ``s2``.

With D_ij = ||t_i - t_j||^2 and L_i(c) = ln( 1/N sum_j exp(-c D_ij) ):

    upper bound (pairwise KL):           c = 1 / (2 s2)
    lower bound (Bhattacharyya):         c = 1 / (8 s2)
    I(X;T) = -mean_i L_i(c)
    I(T;Y) = mean_i [ L_i^{y_i}(c) - L_i(c) ]   (L^{y}: the sum over rows of class y, over N_y)

Every pairwise kernel value is computed once for both bounds and all classes: the upper bound's
kernel is the lower's to the 4th power, and the class sums are sums over the rows of each class. Identical rows
are merged with their multiplicity. Memory is bounded by a few rows of pairs, not by N^2.

Up to ``DIRECT_DISTANCE_MAX_WIDTH`` units (the layers of Tishby's and Saxe's networks) a numba kernel
(``kde_pair_kernel``) evaluates each pair once (the kernel is symmetric) and only pairs close enough for their
kernel to matter (a stated bound of 1e-12 relative on what is skipped), summing distances from float32 coordinate
differences of the rows as given (float32 input is not shifted first: a shift in float32 would round it; float64
input is centred in float64, then cast) and the kernel sums in float64. Wider layers run as one compiled XLA
program over blocks of ``BLOCK_ROWS`` rows, with ||a||^2 + ||b||^2 - 2 a.b from centred rows and the Gram matrix
in float64, in a program compiled under a scoped ``jax.enable_x64`` (the rest of the process stays 32-bit), one
tile of at most ``COLUMN_TILE_MAX`` columns at a time so that float64 copies stay at tile size; only the
exponentials and the class sums run in float32 there.

Results agree with a float64 evaluation of the formulas on the same input (to ~1e-7 bits for activations up to a
few hundred, ~3e-5 bits at 3000, at any width).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from deep_bottleneck.mi_estimator.base import NATS_TO_BITS, SharedPass, SnapshotEstimates

BLOCK_ROWS = 256
#: Up to this width the numba pair kernel sums distances from float32 coordinate differences; wider layers use
#: ||a||^2 + ||b||^2 - 2 a.b with a float64 matrix product.
DIRECT_DISTANCE_MAX_WIDTH = 16
#: Wide layers compare each block of rows with at most this many columns at a time.
COLUMN_TILE_MAX = 4096


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


def padded_size(n_rows: int) -> int:
    """Rows are padded (with zero weight) to a multiple of a step between 1/16 and 1/8 of their number
    (at least ``BLOCK_ROWS``), so at most 16 programs are compiled per doubling of N and padding adds
    less than 1/8 of the rows."""
    step = max(BLOCK_ROWS, 1 << max(0, n_rows.bit_length() - 4))
    return -(-max(n_rows, 1) // step) * step


@functools.lru_cache(maxsize=None)
def _compiled_gram_kernel_sums():
    import jax
    import jax.numpy as jnp

    def kernels_times(distances, weights, scale_lower):
        kernel_lower = jnp.exp(-scale_lower * distances)
        kernel_upper = jnp.square(jnp.square(kernel_lower))
        return kernel_lower @ weights, kernel_upper @ weights

    def gram_block_function(points, weights, scale_lower, offset):
        # Column tiles keep the float64 copies at tile size instead of a float64 copy of all points.
        n_points, n_classes = weights.shape
        tile = min(n_points & -n_points, COLUMN_TILE_MAX)
        squared_norms = jnp.sum(jnp.square(points.astype(jnp.float64) - offset), axis=1)
        tiles = (points.reshape(-1, tile, points.shape[1]), squared_norms.reshape(-1, tile),
                 weights.reshape(-1, tile, n_classes), jnp.arange(0, n_points, tile))

        def one_block(block):
            rows, first_row = block
            rows = rows.astype(jnp.float64) - offset
            rows_squared_norms = jnp.sum(rows * rows, axis=1)
            own_column = first_row + jnp.arange(BLOCK_ROWS)

            def add_tile(sums, column_tile):
                columns, columns_squared_norms, columns_weights, first_column = column_tile
                columns = columns.astype(jnp.float64) - offset
                distances = (rows_squared_norms[:, None] + columns_squared_norms[None, :]
                             - 2.0 * (rows @ columns.T))
                # A row's distance to itself is 0, not the rounding error of the expansion.
                distances = jnp.where(own_column[:, None] == first_column + jnp.arange(tile)[None, :], 0.0, distances)
                lower, upper = kernels_times(jnp.maximum(distances, 0.0).astype(jnp.float32), columns_weights,
                                             scale_lower)
                return (sums[0] + lower, sums[1] + upper), None

            zeros = jnp.zeros((BLOCK_ROWS, n_classes), dtype=jnp.float32)
            sums, _ = jax.lax.scan(add_tile, (zeros, zeros), tiles)
            return sums

        return one_block

    @jax.jit
    def kernel_sums_of_blocks(points, weights, scale_lower, offset):
        n_points, width = points.shape
        one_block = gram_block_function(points, weights, scale_lower, offset)
        lower, upper = jax.lax.map(one_block, (points.reshape(-1, BLOCK_ROWS, width),
                                               jnp.arange(0, n_points, BLOCK_ROWS)))
        return lower.reshape(n_points, -1), upper.reshape(n_points, -1)

    return kernel_sums_of_blocks


def _gram_kernel_sums(distinct: np.ndarray, counts: np.ndarray, scale_lower: float) -> tuple[np.ndarray, np.ndarray]:
    """Kernel sums [U, C] of both bounds for wide layers: padded rows through the compiled XLA program."""
    import jax

    n_distinct, width = distinct.shape
    size = padded_size(n_distinct)
    points = np.zeros((size, width), dtype=distinct.dtype)
    points[:n_distinct] = distinct
    weights = np.zeros((size, counts.shape[1]), dtype=np.float32)
    weights[:n_distinct] = counts
    offset = distinct.mean(axis=0, dtype=np.float64)
    # Scoped: Keras shares the process and its arrays must stay 32-bit.
    with jax.enable_x64(True):
        lower, upper = _compiled_gram_kernel_sums()(points, weights, np.float32(scale_lower), offset)
    return np.asarray(lower, dtype=np.float64)[:n_distinct], np.asarray(upper, dtype=np.float64)[:n_distinct]


def kernel_sums(activations: np.ndarray, labels: np.ndarray, noise_variance: float, n_classes: int) -> KernelSums:
    """Compute the kernel sums of every distinct row against every class.

    Args:
        activations: [N, d] activations of one layer at one snapshot.
        labels: [N] class indices.
        noise_variance: s2, the variance of the added Gaussian noise.
        n_classes: Number of classes.
    """
    activations = np.asarray(activations)
    if activations.dtype not in (np.float32, np.float64):
        activations = activations.astype(np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    distinct, counts = merge_identical_rows(activations, labels, n_classes)
    scale_lower = 1.0 / (8.0 * noise_variance)
    if distinct.shape[1] > DIRECT_DISTANCE_MAX_WIDTH:
        lower, upper = _gram_kernel_sums(distinct, counts, scale_lower)
    else:
        if distinct.dtype == np.float64:
            # Distances do not depend on translation; centring first keeps what float32 can hold.
            distinct = distinct - distinct.mean(axis=0)
        from deep_bottleneck.mi_estimator._kde_pair_kernel import pair_kernel_sums  # numba: loaded on first use

        lower, upper = pair_kernel_sums(distinct.astype(np.float32), counts, scale_lower)
    return KernelSums(lower, upper, counts)


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
    """

    def __init__(self, noise_variance: float, bound: str) -> None:
        if not noise_variance > 0:
            raise ValueError(f"noise_variance must be greater than 0, got {noise_variance}")
        if bound not in ("upper", "lower"):
            raise ValueError(f"bound must be 'upper' or 'lower', got {bound!r}")
        self.noise_variance = float(noise_variance)
        self.bound = bound
        #: Both bounds of one noise variance come from one kernel pass.
        self.shared_pass = SharedPass(("kde_bounds", self.noise_variance), bound, self.estimate_both_snapshots)

    def estimate_both(self, activations: np.ndarray, labels: np.ndarray) -> dict[str, tuple[float, float]]:
        """Both bounds for one [N, d] matrix: ``{"upper": (I_XT, I_TY), "lower": (...)}`` in bits."""
        labels = np.asarray(labels, dtype=np.int64)
        sums = kernel_sums(activations, labels, self.noise_variance, int(labels.max()) + 1)
        return {
            "upper": bounds_from_sums(sums.upper, sums.class_counts),
            "lower": bounds_from_sums(sums.lower, sums.class_counts),
        }

    def estimate_both_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> dict[str, SnapshotEstimates]:
        """Both bounds for each snapshot of ``activations`` [S, N, d]: ``{"upper": (I_XT [S], I_TY [S]), ...}``."""
        per_snapshot = [self.estimate_both(snapshot, labels) for snapshot in activations]
        return {bound: tuple(np.array([snapshot[bound] for snapshot in per_snapshot], dtype=np.float64)
                             .reshape(-1, 2).T) for bound in ("upper", "lower")}

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> SnapshotEstimates:
        """I(X;T) and I(T;Y) in bits of the chosen bound for each snapshot of ``activations`` [S, N, d]."""
        return self.estimate_both_snapshots(activations, labels)[self.bound]
