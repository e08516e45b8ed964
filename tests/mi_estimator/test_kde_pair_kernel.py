"""The narrow-layer KDE kernel: its exponential, its skipped pairs, and its sums against float64 sums."""

import numpy as np
import pytest

from deep_bottleneck.mi_estimator import _kde_pair_kernel as kde_pair_kernel
from tests.mi_estimator.reference import squared_distances


def float64_sums(points, weights, scale_lower):
    distances = squared_distances(points.astype(np.float32))
    return np.exp(-scale_lower * distances) @ weights, np.exp(-4.0 * scale_lower * distances) @ weights


def test_exponential_matches_numpy_over_the_float32_range():
    x = np.concatenate([np.linspace(-87.0, 0.0, 200001), -np.logspace(-8, 0, 1000)]).astype(np.float32)
    fast = np.array([kde_pair_kernel._exp_of_non_positive(value) for value in x[::97]])
    exact = np.exp(x[::97].astype(np.float64))
    assert np.max(np.abs(fast / exact - 1.0)) < 3e-7
    assert kde_pair_kernel._exp_of_non_positive(np.float32(-87.5)) == 0.0
    assert kde_pair_kernel._exp_of_non_positive(np.float32(0.0)) == 1.0


@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0])
@pytest.mark.parametrize("width", [1, 2, 3, 5, 10, 16])
def test_sums_match_float64_sums_at_every_width_and_scale(width, scale):
    """Clusters of rows whose within-cluster distances are ~2 s2 (where the kernel matters), at magnitude ``scale``,
    three classes, and duplicated rows carried as weights."""
    noise_variance = 1e-3
    rng = np.random.default_rng(width)
    centres = rng.uniform(0.0, scale, size=(6, width))
    rows = (centres[rng.integers(0, 6, size=500)]
            + rng.normal(scale=np.sqrt(noise_variance / width), size=(500, width))).astype(np.float32)
    weights = np.zeros((500, 3))
    weights[np.arange(500), rng.integers(0, 3, size=500)] = rng.integers(1, 4, size=500)
    scale_lower = 1.0 / (8.0 * noise_variance)
    lower, upper = kde_pair_kernel.pair_kernel_sums(rows, weights, scale_lower)
    expected_lower, expected_upper = float64_sums(rows, weights, scale_lower)
    # Distances from float32 coordinates of magnitude ~scale: relative rounding ~1e-7 * scale^2 / D in D.
    tolerance = 2e-6 * max(1.0, scale / 30.0) ** 2
    np.testing.assert_allclose(lower, expected_lower, rtol=tolerance, atol=0)
    np.testing.assert_allclose(upper, expected_upper, rtol=tolerance, atol=0)


def test_windows_hold_every_pair_closer_than_the_cutoff_and_skip_far_ones():
    rng = np.random.default_rng(4)
    # Three far-apart groups along the widest axis, and rows spread along it.
    spread = rng.normal(size=(100, 4)) * 0.2
    spread[:, 0] = rng.uniform(-2, 22, size=100)
    rows = np.concatenate([rng.normal(size=(200, 4)) * 0.2 + [10.0 * k, 0, 0, 0] for k in range(3)]
                          + [spread]).astype(np.float32)
    cutoff = 0.3
    order, window_end = kde_pair_kernel.sorted_windows(rows, cutoff)
    distances = squared_distances(rows[order])
    close_i, close_j = np.nonzero(np.triu(distances < cutoff, k=1))
    assert np.all(close_j < window_end[close_i])
    evaluated = np.sum(np.maximum(window_end - np.arange(len(rows)) - 1, 0))
    assert evaluated < 0.3 * len(rows) ** 2 / 2


def test_skipped_terms_are_below_the_stated_bound():
    """Each skipped pair's lower-bound kernel is below SKIP_TOLERANCE / N, so a row's sum (>= 1) loses less than
    SKIP_TOLERANCE relative."""
    total_weight, scale_lower = 4096.0, 125.0
    cutoff = kde_pair_kernel.skip_distance(total_weight, scale_lower)
    assert np.exp(-scale_lower * cutoff) * total_weight <= kde_pair_kernel.SKIP_TOLERANCE * (1 + 1e-9)


def test_row_order_does_not_change_the_sums():
    rng = np.random.default_rng(5)
    rows = np.tanh(rng.normal(size=(700, 3))).astype(np.float32)
    weights = np.eye(2)[rng.integers(0, 2, size=700)]
    permutation = rng.permutation(700)
    lower, upper = kde_pair_kernel.pair_kernel_sums(rows, weights, 12.5)
    lower_permuted, upper_permuted = kde_pair_kernel.pair_kernel_sums(rows[permutation], weights[permutation], 12.5)
    np.testing.assert_allclose(lower_permuted, lower[permutation], rtol=1e-9)
    np.testing.assert_allclose(upper_permuted, upper[permutation], rtol=1e-9)
