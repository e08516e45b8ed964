"""Layers whose mutual information is known, for validating estimators (``deep_bottleneck.cli.validate_estimators``).

Every case is a sample of N rows of a layer T and labels Y, with the true I(X;T) and I(T;Y) in bits:

- discrete: T uniform over the 2^k patterns of k binary units; products of independent categorical units;
  label-dependent mixtures (T | Y = y uniform over overlapping pattern sets). A deterministic net's layer has
  I(X;T) = H(T), known exactly, as is I(T;Y).
- Gaussian: Y uniform on {0, 1}, T | Y ~ N(+-m, I_d) with ``|m| = 1`` along a random direction, d = 1 ... 50;
  I(T;Y) depends only on the projection onto m, computed by quadrature. I(X;T) of a continuous deterministic
  layer is infinite and has no truth here.
- noisy mixture: the KDE bounds' own model, T + Z with Z ~ N(0, s2 I) and X uniform over N fixed rows;
  I(X; T+Z) = h(T+Z) - h(Z) and I(Y; T+Z) by Monte Carlo over the exact mixture density, with its standard error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate
from scipy.special import logsumexp
from scipy.stats import norm


@dataclass(frozen=True)
class Case:
    """A layer with known mutual information.

    Attributes:
        name: Short description.
        activations: [N, d].
        labels: [N].
        mi_xt: True I(X;T) in bits, or None when it is not finite.
        mi_ty: True I(T;Y) in bits.
        truth_error: Standard error of the truth (0 when exact).
        bin_width: Resolution for binning-like estimators (finer than the gaps of discrete values).
        noise_variance: Noise variance for estimators of T + Z (the model's own in noisy-mixture cases).
        noisy: The truth is of T + Z (the KDE bounds' definition), which the bounds must bracket.
    """

    name: str
    activations: np.ndarray
    labels: np.ndarray
    mi_xt: float | None
    mi_ty: float
    truth_error: float = 0.0
    bin_width: float = 0.5
    noise_variance: float = 1e-3
    noisy: bool = False


def entropy_of(probabilities: np.ndarray) -> float:
    """Entropy in bits of a probability vector."""
    p = np.asarray(probabilities, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def binary_entropy(p: float) -> float:
    return entropy_of(np.array([p, 1 - p]))


def uniform_patterns(k: int, n_rows: int, flip: float = 0.1, seed: int = 0) -> Case:
    """k binary units uniform over their 2^k patterns; Y = the first unit, flipped with probability ``flip``."""
    rng = np.random.default_rng(seed)
    layer = rng.integers(0, 2, size=(n_rows, k)).astype(np.float32)
    labels = np.where(rng.random(n_rows) < flip, 1 - layer[:, 0], layer[:, 0]).astype(np.int64)
    return Case(f"uniform over 2^{k} patterns", layer, labels, float(k), 1 - binary_entropy(flip))


def categorical_product(cardinalities: tuple[int, ...], n_rows: int, seed: int = 0) -> Case:
    """Independent units taking 0, 1, ..., c - 1 with random probabilities; Y = [the first unit is 0]."""
    rng = np.random.default_rng(seed)
    distributions = [rng.dirichlet(np.ones(c)) for c in cardinalities]
    layer = np.column_stack([rng.choice(len(p), size=n_rows, p=p) for p in distributions]).astype(np.float32)
    labels = (layer[:, 0] == 0).astype(np.int64)
    return Case(f"categorical units {'x'.join(map(str, cardinalities))}", layer, labels,
                sum(entropy_of(p) for p in distributions), binary_entropy(distributions[0][0]))


def label_dependent_patterns(n_rows: int, width: int = 6, per_class: int = 24, shift: int = 16,
                             n_classes: int = 3, seed: int = 0) -> Case:
    """Y uniform on ``n_classes``; T | Y = y uniform over the ``width``-bit patterns y*shift ... y*shift+per_class-1
    (overlapping sets): H(T) exact from the mixture, H(T|Y) = log2 per_class."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, size=n_rows)
    codes = labels * shift + rng.integers(0, per_class, size=n_rows)
    layer = ((codes[:, None] >> np.arange(width)) & 1).astype(np.float32)
    probabilities = np.zeros(2**width)
    for y in range(n_classes):
        probabilities[y * shift:y * shift + per_class] += 1.0 / (n_classes * per_class)
    h_t = entropy_of(probabilities)
    return Case(f"{n_classes} classes over overlapping {width}-bit pattern sets", layer, labels, h_t,
                h_t - np.log2(per_class))


def two_gaussians_mi_bits(variance: float, separation: float = 1.0) -> float:
    """I(T;Y) for Y uniform on {0, 1} and T | Y ~ N((2Y - 1) separation, variance) in one dimension, by quadrature."""
    sd = np.sqrt(variance)

    def integrand(t):
        p0, p1 = norm.pdf(t, -separation, sd), norm.pdf(t, separation, sd)
        mixture = 0.5 * (p0 + p1)
        return 0.5 * (p0 * np.log2(p0 / mixture) + p1 * np.log2(p1 / mixture))

    bound = separation + 12 * sd
    return float(integrate.quad(integrand, -bound, bound, limit=200)[0])


def gaussian_classes(width: int, n_rows: int, seed: int = 0) -> Case:
    """Y uniform on {0, 1}; T | Y ~ N(+-m, I) in ``width`` dimensions, ``|m| = 1`` along a random direction."""
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=width)
    direction /= np.linalg.norm(direction)
    labels = rng.integers(0, 2, size=n_rows)
    layer = (2 * labels - 1)[:, None] * direction + rng.normal(size=(n_rows, width))
    return Case(f"two unit Gaussians, d = {width}", layer.astype(np.float32), labels, None,
                two_gaussians_mi_bits(1.0), bin_width=0.5, noise_variance=0.1)


def noisy_mixture_truth(rows: np.ndarray, labels: np.ndarray, noise_variance: float, n_samples: int,
                        seed: int = 0) -> tuple[float, float, float]:
    """I(X; T+Z) and I(Y; T+Z) in bits for X uniform over ``rows``, by Monte Carlo, and the larger standard error."""
    rng = np.random.default_rng(seed)
    n_rows, width = rows.shape
    chosen = rng.integers(0, n_rows, size=n_samples)
    samples = rows[chosen] + rng.normal(scale=np.sqrt(noise_variance), size=(n_samples, width))
    log_kernel = np.empty((n_samples, n_rows))
    for start in range(0, n_samples, 2048):
        block = samples[start:start + 2048]
        log_kernel[start:start + 2048] = -((block[:, None, :] - rows[None, :, :]) ** 2).sum(axis=2) / (
            2 * noise_variance)
    # log p(t) up to the Gaussian normaliser, which h(T+Z) - h(Z) cancels; the same for p(t | y).
    log_p = logsumexp(log_kernel, axis=1) - np.log(n_rows)
    log_p_given_own_row = log_kernel[np.arange(n_samples), chosen]
    pointwise_xt = (log_p_given_own_row - log_p) / np.log(2)
    own_label = labels[chosen]
    log_p_given_y = np.empty(n_samples)
    for y in np.unique(labels):
        members = labels == y
        log_p_given_y[own_label == y] = (logsumexp(log_kernel[own_label == y][:, members], axis=1)
                                         - np.log(members.sum()))
    pointwise_ty = (log_p_given_y - log_p) / np.log(2)
    error = max(pointwise_xt.std(), pointwise_ty.std()) / np.sqrt(n_samples)
    return float(pointwise_xt.mean()), float(pointwise_ty.mean()), float(error)


def noisy_mixture(width: int, n_rows: int, noise_variance: float, n_samples: int, seed: int = 0) -> Case:
    """N rows from N(0, I) in ``width`` dimensions, labelled by the sign of their first coordinate (10 % flipped)."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(n_rows, width))
    labels = np.where(rng.random(n_rows) < 0.1, rows[:, 0] < 0, rows[:, 0] >= 0).astype(np.int64)
    mi_xt, mi_ty, error = noisy_mixture_truth(rows, labels, noise_variance, n_samples, seed + 1)
    return Case(f"rows + N(0, {noise_variance}), d = {width}", rows.astype(np.float32), labels, mi_xt, mi_ty,
                truth_error=error, bin_width=np.sqrt(noise_variance), noise_variance=noise_variance, noisy=True)


def all_cases(quick: bool = False) -> list[Case]:
    """Every validation case; ``quick`` keeps one or two of each kind (the Gaussian classes up to d = 20, where
    k-d trees and autoregressive models are still cheap), with fewer rows and Monte Carlo samples."""
    if quick:
        cases = [uniform_patterns(k, 2000, seed=k) for k in (1, 10)]
        cases += [categorical_product((3, 5, 7), 2000), label_dependent_patterns(2000)]
        cases += [gaussian_classes(width, 1000, seed=width) for width in (1, 5, 20)]
        return cases + [noisy_mixture(width, 200, noise_variance, 2000, seed=width)
                        for width, noise_variance in ((2, 0.05), (10, 0.5))]
    cases = [uniform_patterns(k, 8000, seed=k) for k in (1, 4, 8, 10)]
    cases += [categorical_product((3, 5, 7), 8000), categorical_product((2, 4, 8, 16), 8000, seed=1),
              label_dependent_patterns(8000)]
    cases += [gaussian_classes(width, 5000, seed=width) for width in (1, 2, 5, 10, 20, 50)]
    cases += [noisy_mixture(width, 400, noise_variance, 20000, seed=width)
              for width, noise_variance in ((2, 0.05), (5, 0.2), (10, 0.5))]
    return cases
