"""The generated data sets: harmonics against the published data, seed 003's integer inputs, seed 004's groups."""

import numpy as np
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.data_split import construct_full_dataset
from deep_bottleneck.datasets import harmonics, harmonics_generated, integer_inputs, mod16_groups
from deep_bottleneck.mi_estimator.base import entropy_bits


def share_of_ones_by_popcount(X, y):
    popcount = X.sum(axis=1).astype(int)
    return np.array([y[popcount == k].mean() for k in range(13)])


def test_generated_harmonics_reproduce_the_published_label_statistics():
    published = construct_full_dataset(*harmonics.load())
    generated = construct_full_dataset(*harmonics_generated.load())
    published_shares = share_of_ones_by_popcount(published.X, published.y)
    np.testing.assert_allclose(published_shares[[5, 6, 7]], [60 / 792, 532 / 924, 732 / 792])
    generated_shares = share_of_ones_by_popcount(generated.X, generated.y)
    np.testing.assert_allclose(generated_shares, published_shares, atol=0.015)
    assert abs(generated.y.mean() - published.y.mean()) < 0.005
    assert abs(entropy_bits(generated.y) - entropy_bits(published.y)) < 0.001


def test_generated_harmonics_have_every_pattern_once_split_as_the_published():
    training, test = harmonics_generated.load()
    assert training.X.shape == (3277, 12) and test.X.shape == (819, 12)
    full = construct_full_dataset(training, test)
    codes = full.X.astype(int) @ (1 << np.arange(11, -1, -1))
    assert sorted(codes) == list(range(4096))
    assert set(np.unique(full.X)) == {0.0, 1.0}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_seed_gives_a_new_balanced_instance_with_the_six_ones_share_fixed(seed):
    X, y = harmonics_generated.generate(seed)
    _, y0 = harmonics_generated.generate(0)
    assert not np.array_equal(y, y0)
    shares = share_of_ones_by_popcount(X, y)
    assert shares[6] == pytest.approx(532 / 924, abs=1e-3)
    assert shares[:5].max() == 0 and shares[9:].min() == 1
    assert abs(y.mean() - 2118 / 4096) < 0.01


def test_integer_inputs_threshold_and_complicated_labels():
    for labels, balance in (("threshold", (0.7, 0.85)), ("complicated", (0.4, 0.6))):
        training, test = integer_inputs.load(labels=labels)
        assert training.X.shape == (800, 12) and test.X.shape == (200, 12)
        assert set(np.unique(training.X)) == {-1.0, 0.0, 1.0, 2.0, 3.0}
        full = construct_full_dataset(training, test)
        assert balance[0] < full.y.mean() < balance[1], labels
    full = construct_full_dataset(*integer_inputs.load(labels="complicated"))
    score = (full.X[:, 2::2] * full.X[:, 3::2]).sum(axis=1) - full.X[:, 0] ** 2
    assert np.mean((score > score.mean()) == full.y) > 0.9, "the label follows each row's products, not x0 alone"
    with pytest.raises(ValueError, match="threshold, complicated"):
        integer_inputs.load(labels="simple")


def test_mod16_groups_have_one_bit_of_information_about_the_label_by_binning():
    training, test = mod16_groups.load()
    assert training.X.shape == (50000, 10) and test.X.shape == (10000, 10)
    integers = training.X.astype(int) @ (1 << np.arange(9, -1, -1))
    assert integers.min() == 0 and integers.max() == 1023
    group_labels = [np.unique(training.y[integers % 16 == g]) for g in range(16)]
    assert all(len(labels) == 1 for labels in group_labels)
    assert sum(int(labels[0]) for labels in group_labels) == 8
    assert abs(training.y.mean() - 0.5) < 0.01 and abs(test.y.mean() - 0.5) < 0.02
    binning = plugins.load_plugin("estimator", "mi_estimator.binning", discretization_range=0.5)
    full = construct_full_dataset(training, test)
    mi_xt, mi_ty = binning.estimate_snapshots(full.X[None], full.y)
    assert mi_ty[0] == pytest.approx(1.0, abs=1e-4)
    assert mi_xt[0] == pytest.approx(10.0, abs=0.02), "all 1024 inputs, near uniform (plug-in bias ~0.012 bit)"
