"""The KDE pair kernel: its exponential, the pairs it drops, and its sums against float64 sums."""

import numpy as np
import pytest

from deep_bottleneck.mi_estimator import _kde_pair_kernel as kde_pair_kernel
from tests.mi_estimator.reference import squared_distances


def float64_sums(points, labels, weights, scale_lower):
    """Sums over all rows and over each row's class of both kernels, from float64 distances of the float32 rows."""
    distances = squared_distances(points.astype(np.float32))
    same_class = labels[:, None] == labels[None, :]
    sums = []
    for scale in (scale_lower, 4.0 * scale_lower):
        kernel = np.exp(-scale * distances)
        sums += [kernel @ weights, (kernel * same_class) @ weights]
    return sums[0], sums[1], sums[2], sums[3]


def clustered_rows(n_rows, width, scale, noise_variance, seed, n_clusters=6):
    """Clusters of rows whose within-cluster distances are ~2 s2 (where the kernel matters), at magnitude
    ``scale``."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.0, scale, size=(n_clusters, width))
    return (centres[rng.integers(0, n_clusters, size=n_rows)]
            + rng.normal(scale=np.sqrt(noise_variance / width), size=(n_rows, width))).astype(np.float32)


def test_exponential_matches_numpy_over_the_float32_range():
    x = np.concatenate([np.linspace(-87.0, 0.0, 200001), -np.logspace(-8, 0, 1000)]).astype(np.float32)
    fast = np.array([kde_pair_kernel._exp_of_non_positive(value) for value in x[::97]])
    exact = np.exp(x[::97].astype(np.float64))
    assert np.max(np.abs(fast / exact - 1.0)) < 3e-7
    assert kde_pair_kernel._exp_of_non_positive(np.float32(-87.5)) == 0.0
    assert kde_pair_kernel._exp_of_non_positive(np.float32(0.0)) == 1.0


@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0])
@pytest.mark.parametrize("width", [1, 2, 3, 5, 10, 16, 33, 200])
def test_sums_match_float64_sums_at_every_width_and_scale(width, scale):
    """Three classes, and duplicated rows carried as weights; widths on both sides of ``DIRECT_MAX_WIDTH``."""
    noise_variance = 1e-3
    rows = clustered_rows(500, width, scale, noise_variance, seed=width)
    rng = np.random.default_rng(width)
    labels = rng.integers(0, 3, size=500)
    weights = rng.integers(1, 4, size=500).astype(np.float64)
    scale_lower = 1.0 / (8.0 * noise_variance)
    fast = kde_pair_kernel.pair_kernel_sums(rows, labels, weights, scale_lower)
    # Distances from float32 coordinates of magnitude ~scale: relative rounding ~1e-7 * scale^2 / D in D; and the
    # dropped terms, below SKIP_TOLERANCE of a row's sum.
    tolerance = 2e-6 * max(1.0, scale / 30.0) ** 2 + kde_pair_kernel.SKIP_TOLERANCE
    for computed, expected in zip(fast[:4], float64_sums(rows, labels, weights, scale_lower)):
        np.testing.assert_allclose(computed, expected, rtol=tolerance, atol=0)


def spread_and_clustered_rows(width, seed):
    """Tight clusters (every pair near), rows spread over a wide range (few near), and rows at about the cut-off
    distance from each other along a line."""
    rng = np.random.default_rng(seed)
    clusters = np.concatenate([rng.normal(size=(150, width)) * 0.01 + 3.0 * k for k in range(3)])
    spread = rng.uniform(-4, 4, size=(300, width))
    line = np.outer(np.arange(100) * 0.2, np.ones(width) / np.sqrt(width))
    return np.concatenate([clusters, spread, line]).astype(np.float32)


@pytest.mark.parametrize("width", [1, 3, 10, 40, 300])
def test_every_pair_nearer_than_the_cutoff_is_computed_and_far_ones_are_not(width):
    rows = spread_and_clustered_rows(width, seed=width)
    scale_lower, total_weight = 125.0, float(len(rows))
    cutoff = kde_pair_kernel.skip_distance(total_weight, scale_lower)
    pairs = kde_pair_kernel.compared_pairs(rows, scale_lower, total_weight)
    distances = squared_distances(rows)
    computed = np.zeros_like(distances, dtype=bool)
    computed[pairs[:, 0], pairs[:, 1]] = True
    computed |= computed.T
    assert len(np.unique(np.sort(pairs, axis=1), axis=0)) == len(pairs)  # each pair once
    near = (distances < cutoff) & ~np.eye(len(rows), dtype=bool)
    assert np.all(computed[near])
    assert near.sum() > 0.05 * len(rows) ** 2
    assert len(pairs) < 0.35 * len(rows) ** 2 / 2


def test_dropped_terms_are_below_the_stated_bound():
    """Each dropped pair's lower-bound kernel is below SKIP_TOLERANCE / N, so a row's sum (>= 1) loses less than
    SKIP_TOLERANCE relative."""
    total_weight, scale_lower = 4096.0, 125.0
    cutoff = kde_pair_kernel.skip_distance(total_weight, scale_lower)
    assert np.exp(-scale_lower * cutoff) * total_weight <= kde_pair_kernel.SKIP_TOLERANCE * (1 + 1e-9)


def test_principal_axes_are_orthonormal_and_follow_the_variance():
    rng = np.random.default_rng(6)
    rows = (rng.normal(size=(3000, 100)) * np.linspace(5.0, 0.1, 100)).astype(np.float32)
    axes = kde_pair_kernel.principal_axes(rows, 16)
    np.testing.assert_allclose(axes.T @ axes, np.eye(16), atol=1e-12)
    # The leading axes lie along the leading units (the columns of largest spread).
    assert np.all(np.abs(axes[:16, :4]).sum(axis=0) > 0.9)


def test_row_order_does_not_change_the_sums():
    rng = np.random.default_rng(5)
    rows = np.tanh(rng.normal(size=(700, 3))).astype(np.float32)
    labels = rng.integers(0, 2, size=700)
    weights = np.ones(700)
    permutation = rng.permutation(700)
    sums = kde_pair_kernel.pair_kernel_sums(rows, labels, weights, 12.5)
    permuted = kde_pair_kernel.pair_kernel_sums(rows[permutation], labels[permutation], weights, 12.5)
    for computed, expected in zip(permuted[:4], sums[:4]):
        np.testing.assert_allclose(computed, expected[permutation], rtol=1e-9)
