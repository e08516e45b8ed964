"""Kolchinsky-Tracey pairwise-distance bounds on I(X;T) and I(T;Y) (Kolchinsky & Tracey 2017;
Saxe et al. 2018), for T = layer activations + Gaussian noise of variance ``s2``.

With D_ij = ||t_i - t_j||^2 and L_i(c) = ln( 1/N sum_j exp(-c D_ij) ):

    upper bound (pairwise KL):           c = 1 / (2 s2)
    lower bound (Bhattacharyya):         c = 1 / (8 s2)
    I(X;T) = -mean_i L_i(c)
    I(T;Y) = mean_i [ L_i^{y_i}(c) - L_i(c) ]   (L^{y}: the sum over rows of class y, over N_y)

Every pairwise kernel value is computed once for both bounds and all classes: the upper bound's
kernel is the lower's to the 4th power, and each row needs only two sums per bound, over all rows and over the rows
of its own class. Identical rows of one class are merged with their multiplicity (``_identical_rows``). Memory is
bounded by a few rows of pairs, not by N^2. numba is imported on first use, not when the plug-in is loaded.

A numba kernel (``_kde_pair_kernel``) evaluates each pair once (the kernel is symmetric) and only pairs close
enough for their kernel to matter, found through a k-d tree over the rows (over their principal coordinates when
wide), at any width; what it drops is below 1e-6 of each row's sum, which moves each value by at most 3e-6 bits. It
sums distances from float32 coordinate differences of the rows as given (float32 input is not shifted first: a
shift in float32 would round it; float64 input is centred in float64, then cast) and the kernel sums in float64.

Results agree with a float64 evaluation of the formulas on the same input to within that bound plus float32
rounding (~1e-7 bits for activations up to a few hundred, at any width; ``tests/mi_estimator/test_kde.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deep_bottleneck.mi_estimator.base import NATS_TO_BITS, SharedPass, SnapshotEstimates


@dataclass(frozen=True)
class KernelSums:
    """Kernel sums of the distinct (row, class) pairs u of a snapshot: sums over the N rows j of exp(-c D_uj), over
    all rows and over the rows of u's class (u's own copies included in both).

    Attributes:
        lower_all, lower_own: [U] sums of exp(-D / (8 s2)).
        upper_all, upper_own: [U] sums of exp(-D / (2 s2)).
        labels: [U] the class of u.
        multiplicity: [U] how many of the N rows are u (that row with that class).
    """

    lower_all: np.ndarray
    lower_own: np.ndarray
    upper_all: np.ndarray
    upper_own: np.ndarray
    labels: np.ndarray
    multiplicity: np.ndarray


def kernel_sums(activations: np.ndarray, labels: np.ndarray, noise_variance: float) -> KernelSums:
    """Compute the kernel sums of every distinct (row, class) of a snapshot.

    Args:
        activations: [N, d] activations of one layer at one snapshot.
        labels: [N] class indices.
        noise_variance: s2, the variance of the added Gaussian noise.
    """
    activations = np.asarray(activations)
    if activations.dtype not in (np.float32, np.float64):
        activations = activations.astype(np.float64)
    # numba: loaded on first use.
    from deep_bottleneck.mi_estimator._identical_rows import merge_identical_rows
    from deep_bottleneck.mi_estimator._kde_pair_kernel import pair_kernel_sums

    distinct, distinct_labels, multiplicity = merge_identical_rows(activations, np.asarray(labels, dtype=np.int64))
    if distinct.dtype == np.float64:
        # Distances do not depend on translation; centring first keeps what float32 can hold.
        distinct = distinct - distinct.mean(axis=0)
    sums = pair_kernel_sums(np.asarray(distinct, dtype=np.float32), distinct_labels, multiplicity,
                            1.0 / (8.0 * noise_variance))
    return KernelSums(sums.lower_all, sums.lower_own, sums.upper_all, sums.upper_own, distinct_labels, multiplicity)


def bounds_from_sums(all_sums: np.ndarray, own_sums: np.ndarray, labels: np.ndarray,
                     multiplicity: np.ndarray) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in bits from one bound's kernel sums of each distinct (row, class) (see ``KernelSums``)."""
    n_rows = multiplicity.sum()
    rows_per_class = np.bincount(labels, weights=multiplicity)
    log_mean_all = np.log(all_sums / n_rows)
    log_mean_own = np.log(own_sums / rows_per_class[labels])
    mi_xt = -(multiplicity * log_mean_all).sum() / n_rows
    mi_ty = (multiplicity * (log_mean_own - log_mean_all)).sum() / n_rows
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
        sums = kernel_sums(activations, labels, self.noise_variance)
        return {
            "upper": bounds_from_sums(sums.upper_all, sums.upper_own, sums.labels, sums.multiplicity),
            "lower": bounds_from_sums(sums.lower_all, sums.lower_own, sums.labels, sums.multiplicity),
        }

    def estimate_both_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> dict[str, SnapshotEstimates]:
        """Both bounds for each snapshot of ``activations`` [S, N, d]: ``{"upper": (I_XT [S], I_TY [S]), ...}``."""
        per_snapshot = [self.estimate_both(snapshot, labels) for snapshot in activations]
        return {bound: tuple(np.array([snapshot[bound] for snapshot in per_snapshot], dtype=np.float64)
                             .reshape(-1, 2).T) for bound in ("upper", "lower")}

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> SnapshotEstimates:
        """I(X;T) and I(T;Y) in bits of the chosen bound for each snapshot of ``activations`` [S, N, d]."""
        return self.estimate_both_snapshots(activations, labels)[self.bound]
