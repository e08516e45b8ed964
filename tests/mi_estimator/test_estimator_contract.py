"""Every registered estimator against the analytic identities (notes/reference.md)."""

import numpy as np
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.data_split import construct_full_dataset
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.mi_estimator.base import entropy_bits, estimate
from tests.mi_estimator.reference import binning_bounds, kde_bounds

ESTIMATORS = plugins.available("estimator")
SMALL_NOISE = 1e-3
LITERAL_FORMULAS = {
    "mi_estimator.binning": binning_bounds,
    "mi_estimator.upper": lambda activations, labels, s2: kde_bounds(activations, labels, s2)["upper"],
    "mi_estimator.lower": lambda activations, labels, s2: kde_bounds(activations, labels, s2)["lower"],
}


@pytest.fixture(scope="module")
def full():
    return construct_full_dataset(*harmonics.load())


def small_noise_estimator(name):
    return plugins.load_plugin("estimator", name, discretization_range=SMALL_NOISE if name != "mi_estimator.binning"
                               else 0.07)


def test_all_three_estimators_are_registered():
    assert {"mi_estimator.binning", "mi_estimator.upper", "mi_estimator.lower"} <= set(ESTIMATORS)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_identical_rows_give_zero(name):
    labels = np.arange(500) % 2
    mi_xt, mi_ty = estimate(small_noise_estimator(name), np.full((500, 3), 0.25), labels)
    assert mi_xt == pytest.approx(0.0, abs=1e-9) and mi_ty == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_well_separated_rows_give_log2_n(name):
    rows = np.arange(300, dtype=float)[:, None] * np.array([[10.0, -7.0]])
    labels = np.arange(300) % 3
    mi_xt, mi_ty = estimate(small_noise_estimator(name), rows, labels)
    assert mi_xt == pytest.approx(np.log2(300), abs=1e-6)
    assert mi_ty == pytest.approx(entropy_bits(labels), abs=1e-6)


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("k", [1, 4, 12])
def test_first_k_input_bits_give_k_bits_and_the_exact_i_t_y(full, name, k):
    layer = full.X[:, :k]
    mi_xt, mi_ty = estimate(small_noise_estimator(name), layer, full.y)
    codes = layer @ (2 ** np.arange(k)[::-1])
    exact_i_ty = entropy_bits(full.y) - sum(
        np.mean(codes == c) * entropy_bits(full.y[codes == c]) for c in np.unique(codes))
    assert mi_xt == pytest.approx(k, abs=1e-4)
    assert mi_ty == pytest.approx(exact_i_ty, abs=1e-4)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimates_are_within_their_ceilings(full, name):
    rng = np.random.default_rng(0)
    activations = np.tanh(rng.normal(size=(2, 1000, 4)) * 2)
    labels = full.y[:1000]
    mi_xt, mi_ty = plugins.load_plugin("estimator", name, discretization_range=0.05).estimate_snapshots(
        activations, labels)
    assert np.all((0 <= mi_xt) & (mi_xt <= np.log2(1000) + 1e-9))
    assert np.all((0 <= mi_ty) & (mi_ty <= entropy_bits(labels) + 1e-9))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_batched_form_equals_the_literal_formula_one_snapshot_at_a_time(name):
    rng = np.random.default_rng(1)
    activations = np.tanh(rng.normal(size=(3, 400, 3)) * np.array([0.3, 1.0, 3.0])[:, None, None])
    activations[:, :100] = activations[:, 100:200]
    labels = rng.integers(0, 2, size=400)
    estimator = plugins.load_plugin("estimator", name, discretization_range=0.05)
    batched = np.column_stack(estimator.estimate_snapshots(activations, labels))
    literal = np.array([LITERAL_FORMULAS[name](snapshot, labels, 0.05) for snapshot in activations])
    assert len(np.unique(literal[:, 0].round(3))) == len(activations)
    np.testing.assert_allclose(batched, literal, rtol=0, atol=1e-5)
