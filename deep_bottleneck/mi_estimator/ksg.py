"""Kraskov-Stoegbauer-Grassberger k-nearest-neighbour estimation of I(X;T) and I(T;Y), with a discrete
variable on one side (Ross 2014, "Mutual information between discrete and continuous data sets").

The layer is read as the KDE bounds read it (``mi_estimator.kde``): T = activations + Gaussian noise Z of
variance ``noise_variance`` per unit, with X uniform over the N rows. Each row is drawn ``noise_draws``
times (the same draws for every snapshot, from ``seed``), giving N * M points of T. Both quantities are
Ross's estimate between these points and a discrete variable:

    I(D;T) = psi(N M) - < psi(N_d) > + psi(k) - < psi(m_i) >     (nats; turned into bits)

where, for point i, the distance (maximum norm) to its k-th nearest neighbour among the points of its own
discrete value d fixes a radius, m_i counts the points of any value within that radius (the k-th
neighbour included, the point itself not) and N_d is the number of points of value d.

- I(X;T): d = the row a point was drawn from (N_d = M); a row's k-th neighbour is one of its own noise
  draws, so ``noise_draws`` must exceed ``k``.
- I(T;Y): d = the row's label.

Estimates are clipped to [0, log2 N] and [0, H(Y)], the ranges of the true values. Ross's estimator
is exact for rows farther apart than the noise up to a bias of about 1 / (2 M) nats in I(X;T) (clipped
away at log2 N), and unbiased for independent variables; its variance falls as 1 / (N M).

Cost per snapshot: one k-d tree over the N M points (``_kd_tree``), O(N M log(N M)) to build, and one
search per point that counts the points within its I(X;T) radius (adding whole nodes inside the radius), finds
the k-th neighbour of its class within that radius (no farther: a row's own draws share its label) and counts
the points within that second radius. Counts and radii equal brute force's on the same float64 points, ties
included (``tests/mi_estimator/test_kd_tree.py``). The search costs most where many points crowd a radius
(the clustered rows of a trained, saturated layer) and in wide layers, where k-d trees prune less.

With ``error_bars`` the estimator also states standard errors (``MI_XM_se``, ``MI_YM_se``): of the estimate's
spread, not of its bias (``testing.coverage`` measures both).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma

from deep_bottleneck.mi_estimator.base import NATS_TO_BITS, each_snapshot, entropy_bits


def kth_neighbour_distance_within_draws(draws: np.ndarray, k: int) -> np.ndarray:
    """For draws [N, M, d] (M noise draws of each of N rows): the maximum-norm distance of each draw to its
    k-th nearest neighbour among the draws of its own row, as [N * M]."""
    from deep_bottleneck.mi_estimator import _kd_tree  # numba: loaded on first use

    n_rows, n_draws, width = draws.shape
    return _kd_tree.kth_distance_within_blocks(draws.reshape(n_rows * n_draws, width), n_draws, k + 1)


def ross_mi_nats(within: np.ndarray, group_sizes: np.ndarray, k: int) -> float:
    """Ross's estimate in nats from each point's neighbour count m_i (other points within its radius) and its
    group's size."""
    return float(digamma(len(within)) - digamma(group_sizes).mean()
                 + digamma(k) - digamma(np.maximum(within, k)).mean())


class KSGEstimator:
    """Ross's k-nearest-neighbour estimate of I(X;T) and I(T;Y) for T = activations + Gaussian noise.

    Args:
        noise_variance: Variance of the noise added to each unit (the config's ``discretization_range``).
        k: Neighbour whose distance sets each point's radius.
        noise_draws: Noise draws per row (more than ``k``).
        seed: Seed of the noise draws.
        error_bars: Also give the standard errors ``MI_XM_se`` of I(X;T) (from its rows' terms, at no extra
            cost: ``row_standard_error``) and ``MI_YM_se`` of I(T;Y) (by subsampling the rows, at about three
            times the cost: ``subsample_standard_error``), both in the style of Holmes & Nemenman (2019).
    """

    def __init__(self, noise_variance: float, k: int = 3, noise_draws: int = 8, seed: int = 0,
                 error_bars: bool = False) -> None:
        if not noise_variance > 0:
            raise ValueError(f"noise_variance must be greater than 0, got {noise_variance}")
        if not (isinstance(k, int) and k >= 1):
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if not (isinstance(noise_draws, int) and noise_draws > k):
            raise ValueError(f"noise_draws must be an integer greater than k = {k}, got {noise_draws!r}")
        self.noise_variance = float(noise_variance)
        self.k = k
        self.noise_draws = noise_draws
        self.seed = seed
        #: Columns ``estimate_with_errors`` adds to I(X;T) and I(T;Y).
        self.error_columns = ("MI_XM_se", "MI_YM_se") if error_bars else ()

    def noisy_draws(self, activations: np.ndarray) -> np.ndarray:
        """[N, M, d]: M draws of each row plus noise, the same noise for every call with this shape."""
        activations = np.asarray(activations, dtype=np.float64)
        noise = np.random.default_rng(self.seed).normal(
            scale=np.sqrt(self.noise_variance), size=(len(activations), self.noise_draws, activations.shape[1]))
        return activations[:, None, :] + noise

    def estimate_one(self, activations: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """I(X;T) and I(T;Y) in bits for one [N, d] snapshot."""
        mi_xt, mi_ty, _ = self.estimate_one_with_row_terms(activations, labels)
        return mi_xt, mi_ty

    def estimate_one_with_row_terms(self, activations: np.ndarray, labels: np.ndarray
                                    ) -> tuple[float, float, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for one [N, d] snapshot, and [N] each row's mean over its draws of
        psi(m_i), the term of I(X;T) that varies from point to point (in nats)."""
        labels = np.asarray(labels, dtype=np.int64)
        n_rows = len(activations)
        draws = self.noisy_draws(activations)
        points = draws.reshape(n_rows * self.noise_draws, -1)
        from deep_bottleneck.mi_estimator import _kd_tree  # numba: loaded on first use

        point_labels = np.repeat(labels, self.noise_draws)
        tree = _kd_tree.build(points)
        radius_x = kth_neighbour_distance_within_draws(draws, self.k)
        # A row's draws share its label, so the k-th neighbour among its draws bounds the one among its class: one
        # search within radius_x counts m_i of I(X;T) and finds the radius and m_i of I(T;Y). Counts and the
        # (k+1)-th distance include the point itself.
        found = _kd_tree.neighbourhoods(tree, point_labels, radius_x, self.k + 1)
        within_x = found.counts - 1
        mi_xt = ross_mi_nats(within_x, np.full(len(points), self.noise_draws), self.k)
        row_terms = digamma(np.maximum(within_x, self.k)).reshape(n_rows, self.noise_draws).mean(axis=1)
        _, inverse, counts = np.unique(point_labels, return_inverse=True, return_counts=True)
        if len(counts) > 1 and counts.min() > self.k:
            mi_ty = ross_mi_nats(found.counts_in_group_radius - 1, counts[inverse], self.k)
        else:
            mi_ty = 0.0
        return (float(np.clip(mi_xt * NATS_TO_BITS, 0.0, np.log2(n_rows))),
                float(np.clip(mi_ty * NATS_TO_BITS, 0.0, entropy_bits(labels))), row_terms)

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each snapshot of ``activations`` [S, N, d]."""
        return each_snapshot(self.estimate_one, activations, labels)

    def subsample_standard_error(self, activations: np.ndarray, labels: np.ndarray) -> float:
        """Standard error in bits of I(T;Y) on all N rows from its spread over disjoint subsets (Holmes & Nemenman
        2019): for n = 2, 3, 4 the rows are split at random (from ``seed``) into n parts of N / n; the variance of
        the n estimates, times (N / n) / N for a variance that falls as 1 / N, is pooled over n with weights
        n - 1."""
        labels = np.asarray(labels)
        order_rng = np.random.default_rng(self.seed)
        pooled, degrees = 0.0, 0
        for n_parts in (2, 3, 4):
            parts = np.array_split(order_rng.permutation(len(labels)), n_parts)
            estimates = [self.estimate_one(activations[part], labels[part])[1] for part in parts]
            pooled += (n_parts - 1) * np.var(estimates, ddof=1) / n_parts
            degrees += n_parts - 1
        return float(np.sqrt(pooled / degrees))

    def estimate_with_errors(self, activations: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
        """``MI_XM``, ``MI_YM`` and, with ``error_bars``, ``MI_XM_se`` (``row_standard_error``) and ``MI_YM_se``
        (``subsample_standard_error``), each [S]."""
        if not self.error_columns:
            mi_xt, mi_ty = self.estimate_snapshots(activations, labels)
            return {"MI_XM": mi_xt, "MI_YM": mi_ty}
        columns: dict[str, list[float]] = {"MI_XM": [], "MI_YM": [], "MI_XM_se": [], "MI_YM_se": []}
        for snapshot in np.asarray(activations):
            mi_xt, mi_ty, row_terms = self.estimate_one_with_row_terms(snapshot, labels)
            columns["MI_XM"].append(mi_xt)
            columns["MI_YM"].append(mi_ty)
            columns["MI_XM_se"].append(row_standard_error(row_terms))
            columns["MI_YM_se"].append(self.subsample_standard_error(snapshot, labels))
        return {key: np.array(values, dtype=np.float64) for key, values in columns.items()}


def row_standard_error(row_terms: np.ndarray) -> float:
    """Standard error in bits of KSG's I(X;T) from its rows' terms (``estimate_one_with_row_terms``).

    I(X;T) is a constant minus the mean over the N rows of each row's term, the mean of psi(m_i) over its noise
    draws; the terms of different rows depend on different draws. As Holmes & Nemenman (2019) take the spread of
    the estimate over disjoint subsets of the data, this takes it over the N subsets of one row each, of the
    whole estimate's terms: the terms' standard deviation over sqrt(N). Re-estimating on subsets of rows (as
    ``subsample_standard_error`` does for I(T;Y)) would estimate another quantity: I(X;T) of X uniform over N / n
    rows, whose ceiling is log2(N / n). Rows that differ in how crowded their neighbourhood is add their
    differences to the spread, which makes the error larger than the spread over noise draws
    (``testing.coverage``).
    """
    row_terms = np.asarray(row_terms, dtype=np.float64)
    if len(row_terms) < 2:
        return 0.0
    return float(NATS_TO_BITS * row_terms.std(ddof=1) / np.sqrt(len(row_terms)))


def load(discretization_range: float = 0.001, k: int = 3, noise_draws: int = 8, seed: int = 0,
         error_bars: bool = False) -> KSGEstimator:
    """Estimator plug-in entry point: noise variance = ``discretization_range``; see ``KSGEstimator``."""
    return KSGEstimator(discretization_range, k, noise_draws, seed, error_bars)
