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
