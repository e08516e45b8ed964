import hashlib

import numpy as np
import pytest

from deep_bottleneck.datasets import harmonics, harmonics_zero_mean, mushroom
from tests.conftest import SHARED_DATA


def test_published_split_sizes_and_label_counts():
    training, test = harmonics.load()
    assert training.X.shape == (3277, 12) and test.X.shape == (819, 12)
    assert training.Y.shape == (3277, 2) and training.X.dtype == np.float32
    assert int(training.y.sum() + test.y.sum()) == 2118
    np.testing.assert_array_equal(training.Y.argmax(axis=1), training.y)


def test_labels_follow_the_popcount_rule():
    training, test = harmonics.load()
    X, y = np.concatenate([training.X, test.X]), np.concatenate([training.y, test.y])
    ones = X.sum(axis=1)
    assert y[ones <= 4].sum() == 0 and y[ones >= 8].min() == 1
    assert y[ones == 6].mean() == pytest.approx(0.5758, abs=1e-4)


def test_zero_mean_variant_maps_bits_to_plus_minus_one():
    training, _ = harmonics_zero_mean.load()
    assert set(np.unique(training.X)) == {-1.0, 1.0}
    np.testing.assert_array_equal(training.y, harmonics.load()[0].y)


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="shared data folder not present")
def test_shipped_files_are_unchanged_copies():
    from importlib import resources
    for name in ("var_u.mat", "IB_data_2017_12_21_16_51_3_275766.npz"):
        shipped = resources.files("deep_bottleneck.datasets").joinpath("data", name).read_bytes()
        assert hashlib.md5(shipped).digest() == hashlib.md5((SHARED_DATA / name).read_bytes()).digest()


def test_mushroom_split_is_fixed_and_complete():
    training, test = mushroom.load()
    assert len(training.y) + len(test.y) == 8124
    assert training.X.shape[1] == 117
    np.testing.assert_array_equal(mushroom.load()[1].y, test.y)
