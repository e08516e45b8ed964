"""KDE bounds: against a direct evaluation of the formulas and a Gaussian with known MI."""

import numpy as np
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.mi_estimator import _kde as kde, _kde_pair_kernel as kde_pair_kernel, lower, upper
from tests.mi_estimator.reference import kde_bounds as direct_bounds


@pytest.mark.parametrize("noise_variance", [1e-3, 0.05, 1.0])
def test_matches_the_direct_formulas_with_duplicates_and_three_classes(noise_variance):
    rng = np.random.default_rng(0)
    activations = np.tanh(rng.normal(size=(700, 3)))
    activations[:150] = activations[150:300]
    labels = rng.integers(0, 3, size=700)
    fast = kde.KDEBoundEstimator(noise_variance, "upper").estimate_both(activations, labels)
    direct = direct_bounds(activations, labels, noise_variance)
    for bound in ("upper", "lower"):
        np.testing.assert_allclose(fast[bound], direct[bound], rtol=0, atol=1e-5)


@pytest.mark.parametrize("width", [17, 40])
def test_leaf_size_and_pruning_axes_do_not_change_the_result(monkeypatch, width):
    rng = np.random.default_rng(1)
    activations = rng.normal(size=(900, width)) * 0.3
    activations[::3] = activations[1::3] + rng.normal(size=(300, width)) * 0.01  # pairs near each other
    labels = rng.integers(0, 2, size=900)
    reference = kde.KDEBoundEstimator(0.1, "lower").estimate_both(activations, labels)
    for leaf_size, direct_max_width, filter_axes in [(4, 8, 3), (200, 64, 16)]:
        monkeypatch.setattr(kde_pair_kernel, "LEAF_SIZE", leaf_size)
        monkeypatch.setattr(kde_pair_kernel, "DIRECT_MAX_WIDTH", direct_max_width)
        monkeypatch.setattr(kde_pair_kernel, "FILTER_AXES", filter_axes)
        changed = kde.KDEBoundEstimator(0.1, "lower").estimate_both(activations, labels)
        for bound in ("upper", "lower"):
            np.testing.assert_allclose(changed[bound], reference[bound], rtol=0, atol=1e-6)
    np.testing.assert_allclose(reference["upper"], direct_bounds(activations, labels, 0.1)["upper"], atol=1e-5)


@pytest.mark.parametrize("covariance", [
    [[1.0, 0.8], [0.8, 1.0]],
    np.diag([1.0, 0.5, 2.0, 0.25]),
])
def test_gaussian_mi_lies_between_the_bounds(covariance):
    """X ~ N(0, C), T = X + N(0, s2 I): I(X;T) = 1/2 ln det(I + C / s2)."""
    covariance = np.asarray(covariance)
    noise_variance = 0.1
    rng = np.random.default_rng(2)
    samples = rng.multivariate_normal(np.zeros(len(covariance)), covariance, size=6000)
    labels = (samples[:, 0] > 0).astype(int)
    true_bits = 0.5 * np.linalg.slogdet(np.eye(len(covariance)) + covariance / noise_variance)[1] / np.log(2)
    low, _ = lower.load(noise_variance).estimate_snapshots(samples[None], labels)
    high, _ = upper.load(noise_variance).estimate_snapshots(samples[None], labels)
    assert low[0] <= true_bits <= high[0]


def test_lower_never_exceeds_upper():
    rng = np.random.default_rng(3)
    activations = np.tanh(rng.normal(size=(4, 500, 3)))
    labels = rng.integers(0, 2, size=500)
    for noise_variance in (1e-3, 1e-2, 1e-1):
        low = np.column_stack(lower.load(noise_variance).estimate_snapshots(activations, labels))
        high = np.column_stack(upper.load(noise_variance).estimate_snapshots(activations, labels))
        assert np.all(low <= high + 1e-12)


def relu_clusters(width: int, scale: float, noise_variance: float, n_rows: int = 300, n_clusters: int = 4):
    """float32 rows scale * prototype[cluster] + noise of variance s2 / width per unit, cut at 0 like a ReLU.

    Within a cluster D_ij is about 2 s2 whatever the width, so neither bound saturates; the rows'
    magnitude (scale) is what a distance computed from |a|^2 + |b|^2 - 2 a.b in float32 cannot survive.
    Labels follow the cluster for 80 % of the rows.
    """
    rng = np.random.default_rng(width)
    prototypes = rng.uniform(0.0, 1.0, size=(n_clusters, width))
    cluster = rng.integers(0, n_clusters, size=n_rows)
    noise = rng.normal(scale=np.sqrt(noise_variance / width), size=(n_rows, width))
    rows = np.maximum(scale * prototypes[cluster] + noise, 0.0).astype(np.float32)
    labels = np.where(rng.random(n_rows) < 0.8, cluster % 3, rng.integers(0, 3, size=n_rows))
    return rows, labels


@pytest.mark.parametrize("scale", [1, 30, 300])
@pytest.mark.parametrize("width", [2, 10, 40, 128, 1024])
def test_both_bounds_match_a_float64_evaluation_at_every_width_and_scale(width, scale):
    noise_variance = 1e-3
    rows, labels = relu_clusters(width, scale, noise_variance)
    direct = direct_bounds(rows, labels, noise_variance)
    assert 0.5 < direct["lower"][0] < direct["upper"][0] < np.log2(len(rows)) - 0.5
    for bound in ("upper", "lower"):
        estimator = plugins.load_plugin("estimator", f"mi_estimator.{bound}", discretization_range=noise_variance)
        mi_xt, mi_ty = estimator.estimate_snapshots(rows[None], labels)
        np.testing.assert_allclose([mi_xt[0], mi_ty[0]], direct[bound], rtol=0, atol=1e-5, err_msg=bound)


def test_a_wide_snapshot_with_many_near_pairs_matches_the_float64_formulas():
    """2500 rows of width 64 (wide: pairs filtered along principal axes), in clusters of near-duplicates whose
    distances are about the noise, over ten classes: within 1e-5 bits of the float64 formulas."""
    rng = np.random.default_rng(7)
    centres = np.tanh(rng.normal(size=(40, 64)))
    cluster = rng.integers(0, 40, size=2500)
    rows = (centres[cluster] + rng.normal(scale=np.sqrt(1e-3 / 64), size=(2500, 64))).astype(np.float32)
    labels = np.where(rng.random(2500) < 0.7, cluster % 10, rng.integers(0, 10, size=2500))
    fast = kde.KDEBoundEstimator(1e-3, "upper").estimate_both(rows, labels)
    direct = direct_bounds(rows, labels, 1e-3)
    for bound in ("upper", "lower"):
        assert 1.0 < direct[bound][1] < direct[bound][0] < np.log2(2500) - 1.0
        np.testing.assert_allclose(fast[bound], direct[bound], rtol=0, atol=1e-5, err_msg=bound)
