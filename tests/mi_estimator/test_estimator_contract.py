"""Every registered estimator against the analytic identities (notes/reference.md).

Binning and the KDE bounds compute their formulas exactly; the sampling estimators (KSG, EDGE, the
autoregressive models) are held to the error their modules document. An identity that an estimator's
definition excludes is listed in ``NOT_APPLICABLE`` with the reason; a new estimator without an entry in
``CONFORMANCE`` fails ``test_every_estimator_has_conformance_settings``.
"""

import warnings

import numpy as np
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.data_split import construct_full_dataset
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.mi_estimator.base import entropy_bits, estimate
from tests.mi_estimator.reference import (binning_bounds, distinct_row_count, edge_estimate, kde_bounds,
                                          ksg_estimate)

ESTIMATORS = plugins.available("estimator")
#: Per estimator: arguments that read a layer at fine resolution (width 0.07, noise variance 1e-3),
#: and the tolerance of the identities in bits.
CONFORMANCE = {
    "mi_estimator.binning": ({"discretization_range": 0.07}, 1e-4),
    "mi_estimator.upper": ({"discretization_range": 1e-3}, 1e-4),
    "mi_estimator.lower": ({"discretization_range": 1e-3}, 1e-4),
    "mi_estimator.ksg": ({"discretization_range": 1e-3}, 0.05),
    "mi_estimator.edge": ({"discretization_range": 1e-3}, 0.02),
    "mi_estimator.autoregressive": ({"fit_epochs": 15}, 0.1),
    "mi_estimator.quantised": ({}, 1e-9),
    "mi_estimator.goldfeld": ({"discretization_range": 1e-3}, 1e-4),
}
NOT_APPLICABLE = {
    ("mi_estimator.autoregressive", "well_separated"):
        "300 rows spread over 32 bins per unit are 32 values, and a held-out likelihood cannot give unseen rows "
        "the sample's mass: the identity is one of estimators of the sample's own distribution",
}
LITERAL_FORMULAS = {
    "mi_estimator.binning": binning_bounds,
    "mi_estimator.upper": lambda activations, labels, s2: kde_bounds(activations, labels, s2)["upper"],
    "mi_estimator.lower": lambda activations, labels, s2: kde_bounds(activations, labels, s2)["lower"],
    "mi_estimator.ksg": ksg_estimate,
    "mi_estimator.edge": edge_estimate,
    "mi_estimator.quantised": distinct_row_count,
}
#: Estimators of layers with few values: continuous rows are all distinct to them.
DISCRETE_LAYERS = {"mi_estimator.quantised"}


def fine_estimator(name):
    return plugins.load_plugin("estimator", name, **CONFORMANCE[name][0])


def tolerance(name):
    return CONFORMANCE[name][1]


def skip_if_not_applicable(name, identity):
    if (name, identity) in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[name, identity])


@pytest.fixture(scope="module")
def full():
    return construct_full_dataset(*harmonics.load())


def test_all_estimators_are_registered():
    assert set(CONFORMANCE) <= set(ESTIMATORS)


def test_every_estimator_has_conformance_settings():
    assert set(ESTIMATORS) <= set(CONFORMANCE)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_identical_rows_give_zero(name):
    labels = np.arange(500) % 2
    mi_xt, mi_ty = estimate(fine_estimator(name), np.full((500, 3), 0.25), labels)
    exact = 1e-9 if tolerance(name) < 1e-3 else tolerance(name)
    assert mi_xt == pytest.approx(0.0, abs=exact) and mi_ty == pytest.approx(0.0, abs=exact)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_well_separated_rows_give_log2_n(name):
    skip_if_not_applicable(name, "well_separated")
    rows = np.arange(300, dtype=float)[:, None] * np.array([[10.0, -7.0]])
    labels = np.arange(300) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EDGE says it saturates, which is the point here
        mi_xt, mi_ty = estimate(fine_estimator(name), rows, labels)
    exact = 1e-6 if tolerance(name) < 1e-3 else tolerance(name)
    assert mi_xt == pytest.approx(np.log2(300), abs=exact)
    assert mi_ty == pytest.approx(entropy_bits(labels), abs=exact)


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("k", [1, 4, 12])
def test_first_k_input_bits_give_k_bits_and_the_exact_i_t_y(full, name, k):
    layer = full.X[:, :k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mi_xt, mi_ty = estimate(fine_estimator(name), layer, full.y)
    codes = layer @ (2 ** np.arange(k)[::-1])
    exact_i_ty = entropy_bits(full.y) - sum(
        np.mean(codes == c) * entropy_bits(full.y[codes == c]) for c in np.unique(codes))
    assert mi_xt == pytest.approx(k, abs=tolerance(name))
    if (name, k) == ("mi_estimator.autoregressive", 12):
        # 2867 fitted rows are too few for a MADE to learn how the label depends on all 12 bits (a threshold
        # on their sum): H(T|Y) is overestimated and I(T;Y) comes out near 0.64 of 1.00 bits.
        assert 0.3 < mi_ty <= exact_i_ty + tolerance(name)
    else:
        assert mi_ty == pytest.approx(exact_i_ty, abs=tolerance(name))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimates_are_within_their_ceilings(full, name):
    rng = np.random.default_rng(0)
    activations = np.tanh(rng.normal(size=(2, 1000, 4)) * 2)
    labels = full.y[:1000]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
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
    arguments = {**CONFORMANCE[name][0], "discretization_range": 0.05}
    if name == "mi_estimator.edge":
        # The literal count has no second hash: 2**21 buckets for ~400 cells, ~0.04 colliding pairs per grid.
        arguments.update(collision_factor=4096, seed=1)
    if name not in LITERAL_FORMULAS or name in DISCRETE_LAYERS:
        activations = np.round(activations * np.array([1.0, 2.0, 3.0])[:, None, None])
    estimator = plugins.load_plugin("estimator", name, **arguments)
    batched = np.column_stack(estimator.estimate_snapshots(activations, labels))
    if name in LITERAL_FORMULAS:
        literal = np.array([LITERAL_FORMULAS[name](snapshot, labels, 0.05) for snapshot in activations])
    else:  # no formula to evaluate by hand: each snapshot alone through the plug-in
        literal = np.array([estimate(estimator, snapshot, labels) for snapshot in activations])
    assert len(np.unique(literal[:, 0].round(3))) == len(activations)
    np.testing.assert_allclose(batched, literal, rtol=0, atol=1e-5)
