"""KSG (Ross's variant) against a mixture whose I(T;Y) is known by quadrature."""

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from deep_bottleneck import plugins
from deep_bottleneck.errors import PluginError
from deep_bottleneck.mi_estimator.base import estimate
from tests.mi_estimator.reference import ksg_estimate


def two_gaussians_mi_bits(variance: float) -> float:
    """I(T;Y) of Y uniform on {0, 1} and T | Y ~ N(2Y - 1, variance), by quadrature."""
    sd = np.sqrt(variance)

    def integrand(t):
        p0, p1 = norm.pdf(t, -1.0, sd), norm.pdf(t, 1.0, sd)
        mixture = 0.5 * (p0 + p1)
        return 0.5 * p0 * np.log2(p0 / mixture) + 0.5 * p1 * np.log2(p1 / mixture)

    return integrate.quad(integrand, -1 - 12 * sd, 1 + 12 * sd, limit=200)[0]


def test_i_t_y_of_two_unit_gaussians_at_means_minus_and_plus_one():
    noise_variance = 1e-3
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=5000)
    samples = (2 * labels - 1 + rng.normal(size=5000))[:, None]
    estimator = plugins.load_plugin("estimator", "mi_estimator.ksg", discretization_range=noise_variance, k=3)
    _, mi_ty = estimate(estimator, samples, labels)
    truth = two_gaussians_mi_bits(1.0 + noise_variance)
    assert truth == pytest.approx(0.4856, abs=1e-3)
    assert mi_ty == pytest.approx(truth, abs=0.05)


def test_noise_draws_must_exceed_k():
    with pytest.raises(PluginError, match="noise_draws must be an integer greater than k = 8"):
        plugins.load_plugin("estimator", "mi_estimator.ksg", k=8, noise_draws=8)


@pytest.mark.parametrize("width", [1, 3, 10])
def test_equals_the_brute_force_definition_on_clustered_rows(width):
    """Trained, saturated layers: many identical rows (their draws crowd each radius) and a few near-identical."""
    rng = np.random.default_rng(width)
    rows = np.tanh(3 * rng.normal(size=(6, width)))[rng.integers(0, 6, size=160)]
    rows[:30] += rng.normal(scale=0.01, size=(30, width))
    labels = (rows[:, 0] + rng.normal(scale=0.5, size=160) > 0).astype(int)
    estimator = plugins.load_plugin("estimator", "mi_estimator.ksg", discretization_range=1e-3)
    np.testing.assert_allclose(estimate(estimator, rows, labels), ksg_estimate(rows, labels, 1e-3), rtol=0, atol=1e-12)


def brute_force_row_standard_error(activations, noise_variance, k=3, noise_draws=8, seed=0):
    """The standard error of I(X;T) in bits from the definition: each point's count m_i of the points within its
    k-th within-row neighbour's max-norm distance, psi(max(m_i, k)) averaged per row, their spread over sqrt(N)."""
    from scipy.special import digamma

    n_rows, width = activations.shape
    noise = np.random.default_rng(seed).normal(scale=np.sqrt(noise_variance), size=(n_rows, noise_draws, width))
    points = (activations[:, None, :] + noise).reshape(-1, width)
    rows = np.repeat(np.arange(n_rows), noise_draws)
    terms = []
    for i, point in enumerate(points):
        distances = np.abs(points - point).max(axis=1)
        radius = np.sort(distances[(rows == rows[i]) & (np.arange(len(points)) != i)])[k - 1]
        terms.append(digamma(max(np.count_nonzero(distances <= radius) - 1, k)))
    row_terms = np.array(terms).reshape(n_rows, noise_draws).mean(axis=1)
    return row_terms.std(ddof=1) / np.sqrt(n_rows) / np.log(2)


def test_error_bars_give_the_standard_error_of_i_x_t_from_its_rows_terms_as_the_definition_does():
    rng = np.random.default_rng(3)
    rows = np.tanh(2 * rng.normal(size=(5, 2)))[rng.integers(0, 5, size=60)] + rng.normal(scale=0.05, size=(60, 2))
    labels = (rows[:, 0] > 0).astype(int)
    estimator = plugins.load_plugin("estimator", "mi_estimator.ksg", discretization_range=0.01, error_bars=True)
    assert estimator.error_columns == ("MI_XM_se", "MI_YM_se")
    results = estimator.estimate_with_errors(rows[None], labels)
    assert results["MI_XM_se"][0] > 0
    np.testing.assert_allclose(results["MI_XM_se"][0], brute_force_row_standard_error(rows, 0.01), rtol=1e-12)
    np.testing.assert_allclose((results["MI_XM"][0], results["MI_YM"][0]), estimate(estimator, rows, labels),
                               rtol=0, atol=0)


def test_rows_far_apart_have_no_spread_in_i_x_t():
    rows = np.arange(40, dtype=np.float64)[:, None] * 10.0
    estimator = plugins.load_plugin("estimator", "mi_estimator.ksg", discretization_range=0.01, error_bars=True)
    results = estimator.estimate_with_errors(rows[None], np.arange(40) % 2)
    assert results["MI_XM"][0] == pytest.approx(np.log2(40)) and results["MI_XM_se"][0] < 1e-12
