"""Monte-Carlo estimate of the mutual information of a noisy layer (Goldfeld et al., ICML 2019), with its
Monte-Carlo standard error.

T = a_X + Z with X uniform over the N rows and Z ~ N(0, s2 I): the same Gaussian mixture (N components of weight
1/N at the rows a_j) whose entropy the Kolchinsky-Tracey bounds (``mi_estimator.upper``, ``.lower``) bracket, so
the estimate lies between those bounds up to its Monte-Carlo error. h(T) is estimated by sampling from the mixture,
as Goldfeld et al. do; h(T|X) = d/2 ln(2 pi e s2) is known. Each draw t = a_i + z of row i contributes

    I(X;T):  ln phi(z) - ln p(t)   = -ln( 1/N sum_j exp(-(||t - a_j||^2 - ||z||^2) / (2 s2)) )   in [0, ln N]
    I(T;Y):  ln p(t | y_i) - ln p(t)                                                               in [0, ln 1/p(y_i)]

whose means over the draws are unbiased for h(T) - h(T|X) and h(T) - h(T|Y) (the first is Goldfeld et al.'s h(T)
estimate with the known mean of ln phi(z) subtracted draw by draw, which removes most of the variance). The
standard error is the draws' standard deviation over sqrt(draws). The draws come from ``seed`` afresh for each
snapshot, so a snapshot's estimate does not depend on which others are estimated with it.
"""

from __future__ import annotations

import numpy as np

from deep_bottleneck.mi_estimator.base import NATS_TO_BITS

#: Draws compared with all rows at a time (memory: this many times N float64 values).
CHUNK_DRAWS = 256


def draw_terms(activations: np.ndarray, labels: np.ndarray, noise_variance: float, noise: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per draw, ln phi(z) - ln p(t) and ln p(t | y) - ln p(t) in nats, for one [N, d] snapshot and ``noise``
    [M, N, d] standard normal draws (t = a_i + sqrt(s2) z for every row i and draw m)."""
    rows = np.asarray(activations, dtype=np.float64)
    rows = rows - rows.mean(axis=0)
    labels = np.asarray(labels)
    classes, class_of_row = np.unique(labels, return_inverse=True)
    one_hot = np.eye(len(classes))[class_of_row]
    log_class_sizes = np.log(one_hot.sum(axis=0))
    n_rows = len(rows)
    squared_norms = np.einsum("ij,ij->i", rows, rows)
    scaled_noise = np.sqrt(noise_variance) * np.asarray(noise, dtype=np.float64).reshape(-1, rows.shape[1])
    row_of_draw = np.tile(np.arange(n_rows), len(noise))
    xt_terms = np.empty(len(scaled_noise))
    ty_terms = np.empty(len(scaled_noise))
    half_norms = squared_norms / (2 * noise_variance)
    scaled_rows = np.ascontiguousarray(rows.T / noise_variance)
    for start in range(0, len(scaled_noise), CHUNK_DRAWS):
        z = scaled_noise[start:start + CHUNK_DRAWS]
        own = row_of_draw[start:start + CHUNK_DRAWS]
        t = rows[own] + z
        # -(||t - a_j||^2 - ||z||^2) / (2 s2) = (t.a_j - ||a_j||^2 / 2) / s2 + offset, with the row's constant
        # offset = (||z||^2 - ||t||^2) / (2 s2) added after the sums.
        exponents = t @ scaled_rows
        exponents -= half_norms
        offset = (np.square(z).sum(axis=1) - np.square(t).sum(axis=1)) / (2 * noise_variance)
        peak = exponents.max(axis=1, keepdims=True)
        exponents -= peak
        np.exp(exponents, out=exponents)
        class_sums = exponents @ one_hot
        shift = peak[:, 0] + offset
        log_p = shift + np.log(class_sums.sum(axis=1)) - np.log(n_rows)
        own_class = class_of_row[own]
        log_p_class = shift + np.log(class_sums[np.arange(len(z)), own_class]) - log_class_sizes[own_class]
        xt_terms[start:start + len(z)] = -log_p
        ty_terms[start:start + len(z)] = log_p_class - log_p
    return xt_terms, ty_terms


class GoldfeldEstimator:
    """Monte-Carlo I(X;T) and I(T;Y) in bits of T = activations + N(0, ``noise_variance`` I), with errors.

    Args:
        noise_variance: s2, as for the KDE bounds.
        n_draws: Noise draws per row (M); the estimate averages N * M draws.
        seed: Seed of the draws, the same for every snapshot.
    """

    def __init__(self, noise_variance: float, n_draws: int = 1, seed: int = 0) -> None:
        if not noise_variance > 0:
            raise ValueError(f"discretization_range (the noise variance) must be greater than 0, got {noise_variance}")
        if not (isinstance(n_draws, int) and n_draws >= 1):
            raise ValueError(f"n_draws must be a positive integer (e.g. 1), got {n_draws!r}")
        self.noise_variance = float(noise_variance)
        self.n_draws = n_draws
        self.seed = seed
        #: Columns ``estimate_with_errors`` adds to I(X;T) and I(T;Y).
        self.error_columns = ("MI_XM_se", "MI_YM_se")

    def estimate_with_errors(self, activations: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
        """``MI_XM``, ``MI_YM`` and their Monte-Carlo standard errors ``MI_XM_se``, ``MI_YM_se``, in bits, each
        of shape [S], for ``activations`` [S, N, d]."""
        activations = np.asarray(activations)
        n_snapshots, n_rows, width = activations.shape
        results = {key: np.empty(n_snapshots) for key in ("MI_XM", "MI_YM", "MI_XM_se", "MI_YM_se")}
        for snapshot in range(n_snapshots):
            noise = np.random.default_rng(self.seed).standard_normal((self.n_draws, n_rows, width))
            xt_terms, ty_terms = draw_terms(activations[snapshot], labels, self.noise_variance, noise)
            for key, terms in (("MI_XM", xt_terms), ("MI_YM", ty_terms)):
                results[key][snapshot] = NATS_TO_BITS * terms.mean()
                results[f"{key}_se"][snapshot] = NATS_TO_BITS * terms.std(ddof=1) / np.sqrt(len(terms))
        return results

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each of the S snapshots in ``activations`` [S, N, d]."""
        results = self.estimate_with_errors(activations, labels)
        return results["MI_XM"], results["MI_YM"]


def load(discretization_range: float = 0.001, n_draws: int = 1, seed: int = 0) -> GoldfeldEstimator:
    """Estimator plug-in entry point: noise variance = ``discretization_range`` (as ``mi_estimator.upper``)."""
    return GoldfeldEstimator(discretization_range, n_draws, seed)
