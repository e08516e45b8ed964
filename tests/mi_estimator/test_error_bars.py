"""Stated errors against the truth: on a case of known mutual information, +-1.96 standard errors hold the
truth about 95 % of the time over seeds.

The case: T | Y ~ N(+-1, 1) with Y a fair coin, I(T;Y) = h(T) - 1/2 ln(2 pi e) (one-dimensional quadrature)."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from deep_bottleneck.mi_estimator import goldfeld, ksg


def binary_gaussian_channel_bits(mean: float = 1.0) -> float:
    density = lambda t: 0.5 * norm.pdf(t, -mean) + 0.5 * norm.pdf(t, mean)  # noqa: E731
    h_t = quad(lambda t: -density(t) * np.log(density(t)), -12, 12)[0]
    return (h_t - 0.5 * np.log(2 * np.pi * np.e)) / np.log(2)


def coverage(z_scores):
    z_scores = np.asarray(z_scores)
    return np.mean(np.abs(z_scores) < 1.96), np.std(z_scores)


def test_ksg_subsampling_error_of_i_t_y_covers_the_truth():
    """Rows T | Y ~ N(+-1, 1/2) read with noise of variance 1/2: the noisy layer is the channel above."""
    truth = binary_gaussian_channel_bits()
    z_scores = []
    for seed in range(30):
        rng = np.random.default_rng(10_000 + seed)
        labels = rng.integers(0, 2, 1000)
        rows = (np.where(labels == 1, 1.0, -1.0) + np.sqrt(0.5) * rng.normal(size=1000))[:, None]
        results = ksg.load(0.5, error_bars=True, seed=seed).estimate_with_errors(rows[None], labels)
        z_scores.append((results["MI_YM"][0] - truth) / results["MI_YM_se"][0])
    rate, spread = coverage(z_scores)
    assert 0.8 <= rate and 0.7 < spread < 1.4


def test_ksg_without_error_bars_adds_no_columns():
    assert ksg.load(0.5).error_columns == ()


@pytest.mark.parametrize("key", ["MI_XM", "MI_YM"])
def test_goldfeld_monte_carlo_error_covers_the_truth(key):
    """Two rows, at -1 and +1, each 500 times, with noise of variance 1: I(X;T) = I(T;Y) = the channel's."""
    truth = binary_gaussian_channel_bits()
    labels = np.repeat([0, 1], 500)
    rows = np.where(labels == 1, 1.0, -1.0)[None, :, None]
    z_scores = []
    for seed in range(100):
        results = goldfeld.load(1.0, seed=20_000 + seed).estimate_with_errors(rows, labels)
        z_scores.append((results[key][0] - truth) / results[f"{key}_se"][0])
    rate, spread = coverage(z_scores)
    assert 0.88 <= rate and 0.75 < spread < 1.3
