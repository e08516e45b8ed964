"""The exact estimator of quantised layers equals a brute-force count of distinct rows."""

import numpy as np
import pytest

from deep_bottleneck.mi_estimator import quantised
from deep_bottleneck.mi_estimator.base import entropy_bits, estimate
from tests.mi_estimator.reference import distinct_row_count


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bits, width", [(1, 3), (2, 4), (4, 2), (8, 1)])
def test_every_snapshot_equals_a_dictionary_count_of_its_rows(seed, bits, width):
    rng = np.random.default_rng(seed)
    levels = np.linspace(-1, 1, 2**bits).astype(np.float32)
    activations = levels[rng.integers(0, 2**bits, size=(3, 200, width))]
    activations[1] = activations[0]
    activations[1, :50, 0] = levels[0]  # the second snapshot merges some rows of the first
    labels = rng.integers(0, 3, size=200)
    mi_xt, mi_ty = quantised.load().estimate_snapshots(activations, labels)
    for snapshot in range(3):
        expected = distinct_row_count(activations[snapshot], labels)
        assert (mi_xt[snapshot], mi_ty[snapshot]) == pytest.approx(expected, abs=1e-12)


def test_rows_differing_in_one_unit_are_different_values_of_t():
    labels = np.array([0, 1, 0, 1])
    rows = np.array([[0.0, 0.5], [0.0, 0.5], [0.0, 0.5000001], [1.0, 0.5]])
    assert estimate(quantised.load(), rows, labels)[0] == pytest.approx(entropy_bits([0, 0, 1, 2]), abs=1e-12)


def test_minus_zero_and_zero_are_one_value():
    rows = np.array([[0.0], [-0.0], [1.0], [1.0]])
    labels = np.array([0, 1, 0, 1])
    assert estimate(quantised.load(), rows, labels) == pytest.approx((1.0, 0.0), abs=1e-12)


def test_the_estimator_is_marked_exact():
    assert quantised.load().exact is True
