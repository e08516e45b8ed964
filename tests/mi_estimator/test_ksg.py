"""KSG (Ross's variant) against a mixture whose I(T;Y) is known by quadrature."""

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from deep_bottleneck import plugins
from deep_bottleneck.errors import PluginError
from deep_bottleneck.mi_estimator.base import estimate


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
