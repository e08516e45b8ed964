"""The binning estimator on cases whose mutual information is known exactly."""

import numpy as np
import pytest
from scipy.io import loadmat

from deep_bottleneck.data_split import construct_full_dataset
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.mi_estimator import binning
from deep_bottleneck.mi_estimator.base import entropy_bits, estimate
from tests.mi_estimator.reference import binning_bounds

H_Y_HARMONICS = 0.999157


@pytest.fixture(scope="module")
def full():
    return construct_full_dataset(*harmonics.load())


def test_identity_of_the_12_input_bits_gives_12_bits_and_h_y(full):
    mi_xt, mi_ty = estimate(binning.load(0.07), full.X, full.y)
    assert mi_xt == pytest.approx(12.0, abs=1e-12)
    assert mi_ty == pytest.approx(H_Y_HARMONICS, abs=1e-6)
    assert entropy_bits(full.y) == pytest.approx(H_Y_HARMONICS, abs=1e-6)


def test_constant_layer_gives_zero(full):
    mi_xt, mi_ty = estimate(binning.load(0.07), np.full((4096, 5), 0.3), full.y)
    assert mi_xt == pytest.approx(0.0, abs=1e-12)
    assert mi_ty == pytest.approx(0.0, abs=1e-12)


def test_bins_wider_than_the_range_give_zero(full):
    activations = np.random.default_rng(0).uniform(0.0, 0.5, size=(4096, 4))
    assert estimate(binning.load(1.0), activations, full.y) == pytest.approx((0.0, 0.0), abs=1e-12)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_first_k_bits_give_k_bits_and_the_exact_i_t_y(full, k):
    mi_xt, mi_ty = estimate(binning.load(0.07), full.X[:, :k], full.y)
    assert mi_xt == pytest.approx(k, abs=1e-12)
    codes = full.X[:, :k] @ (2 ** np.arange(k)[::-1])
    h_y_given_t = sum(
        np.mean(codes == c) * entropy_bits(full.y[codes == c]) for c in np.unique(codes)
    )
    assert mi_ty == pytest.approx(entropy_bits(full.y) - h_y_given_t, abs=1e-9)


def test_one_bin_per_value_matches_a_dictionary_count():
    rng = np.random.default_rng(1)
    activations = rng.integers(-3, 3, size=(2000, 4)) * 0.5 + 0.01
    labels = rng.integers(0, 3, size=2000)
    _, counts = np.unique(activations, axis=0, return_counts=True)
    p = counts / counts.sum()
    mi_xt, _ = estimate(binning.load(0.5), activations, labels)
    assert mi_xt == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-9)


def test_snapshots_are_estimated_independently(full):
    stacked = np.stack([full.X[:, :5], full.X[:, :5], np.zeros((4096, 5))])
    stacked[0, :, 2:] = 0
    mi_xt, _ = binning.load(0.07).estimate_snapshots(stacked, full.y)
    np.testing.assert_allclose(mi_xt, [2.0, 5.0, 0.0], atol=1e-12)


def rows_whose_codes_collided_modulo_2_64(n_rows=9001, n_units=102):
    """Binary rows (bins 0 and 1 at width 0.07), all distinct, in which two rows share units 51 on and
    their first 51 units (one float64 part of the row code) rank 8192 apart among the distinct parts:
    packing rank * 2**51 + rest in int64 wraps those two onto one code."""
    rng = np.random.default_rng(4)
    bits = rng.integers(0, 2, size=(n_rows, n_units))
    order = np.argsort(bits[:, :51] @ (2 ** np.arange(51)))
    bits[order[100 + 8192], 51:] = bits[order[100], 51:]
    return (bits * 0.07 + 0.035).astype(np.float32)


def test_many_wide_units_do_not_overflow_the_row_codes():
    activations = rows_whose_codes_collided_modulo_2_64()
    labels = np.arange(len(activations)) % 2
    assert len(np.unique(activations, axis=0)) == len(activations)
    mi_xt, mi_ty = estimate(binning.load(0.07), activations, labels)
    assert mi_xt == pytest.approx(np.log2(len(activations)), abs=1e-12)
    assert mi_ty == pytest.approx(binning_bounds(activations, labels, 0.07)[1], abs=1e-12)


def test_a_unit_spanning_more_bins_than_int64_holds_is_counted_exactly():
    rng = np.random.default_rng(5)
    activations = rng.integers(0, 3, size=(2, 3000, 4)) * 0.1
    activations[..., 1] = rng.choice([-1e30, 0.0, 0.5, 1e30], size=(2, 3000))
    labels = rng.integers(0, 2, size=3000)
    for dtype in (np.float64, np.float32):
        mi_xt, mi_ty = binning.load(0.07).estimate_snapshots(activations.astype(dtype), labels)
        literal = [binning_bounds(snapshot, labels, 0.07) for snapshot in activations.astype(dtype)]
        np.testing.assert_allclose(np.column_stack([mi_xt, mi_ty]), literal, rtol=0, atol=1e-12)


def test_shipped_split_is_the_published_harmonics_data(full):
    mat = loadmat(str(harmonics.__file__).replace("harmonics.py", "data/var_u.mat"))
    published = {tuple(row): label for row, label in zip(mat["F"].astype(int), mat["y"].ravel())}
    assert len(published) == 4096 == len({tuple(row) for row in full.X.astype(int)})
    assert all(published[tuple(row)] == label for row, label in zip(full.X.astype(int), full.y))


def test_fixed_range_bins_clip_into_the_edge_bins_and_warn_about_values_outside():
    estimator = binning.load(0.07, strategy="fixed", n_bins=30, bin_range=[-1, 1])
    inside = np.linspace(-0.99, 0.99, 30)[:, None]
    assert estimate(estimator, inside, np.arange(30) % 2)[0] == pytest.approx(np.log2(30))
    relu_like = np.array([[0.0], [0.5], [1.7], [3.0], [250.0]])
    with pytest.warns(binning.OutOfRangeWarning, match="3 of 5 activations lie outside"):
        mi_xt, _ = estimate(estimator, relu_like, np.array([0, 1, 0, 1, 0]))
    assert mi_xt == pytest.approx(entropy_bits([0, 1, 2, 2, 2]))


def test_adaptive_bins_span_the_observed_range():
    estimator = binning.load(0.07, strategy="adaptive", n_bins=4)
    values = np.array([[0.0], [1.0], [10.0], [11.0], [20.0], [21.0], [39.0], [40.0]])
    assert estimate(estimator, values, np.zeros(8, dtype=int))[0] == pytest.approx(2.0)
    assert estimate(estimator, values * 1e-3, np.zeros(8, dtype=int))[0] == pytest.approx(2.0)


def test_equal_mass_bins_hold_equally_many_rows_and_keep_ties_together():
    estimator = binning.load(0.07, strategy="equal_mass", n_bins=4)
    values = np.random.default_rng(3).exponential(size=(1000, 1))
    assert estimate(estimator, values, np.zeros(1000, dtype=int))[0] == pytest.approx(2.0)
    ties = np.array([[1.0]] * 6 + [[2.0], [3.0]])
    codes = estimator.bin(ties[None])[0, :, 0]
    assert len(set(codes[:6])) == 1 and codes[6] != codes[0]


def test_unknown_strategy_is_rejected():
    with pytest.raises(ValueError, match="Unknown binning strategy 'quantile'"):
        binning.load(0.07, strategy="quantile")


def test_miller_madow_adds_occupied_bins_minus_one_over_2n_to_each_entropy():
    rng = np.random.default_rng(6)
    activations = rng.integers(0, 5, size=(2, 300, 2)) * 0.1 + 0.01
    activations[1, :, 1] = 0.01
    labels = rng.integers(0, 3, size=300)
    results = binning.load(0.1).estimate_with_errors(activations, labels)
    for snapshot in range(2):
        rows = [tuple(row) for row in np.floor(activations[snapshot] / 0.1).astype(int)]
        k_t, k_ty, k_y = len(set(rows)), len(set(zip(rows, labels))), len(set(labels))
        plug_in = binning_bounds(activations[snapshot], labels, 0.1)
        correction = lambda k: (k - 1) / (2 * 300 * np.log(2))  # noqa: E731
        assert results["MI_XM"][snapshot] == pytest.approx(plug_in[0], abs=1e-12)
        assert results["MI_XM_miller_madow"][snapshot] == pytest.approx(plug_in[0] + correction(k_t), abs=1e-12)
        assert results["MI_YM_miller_madow"][snapshot] == pytest.approx(
            plug_in[1] + correction(k_t) + correction(k_y) - correction(k_ty), abs=1e-12)
