import hashlib
import io
from importlib import resources

import numpy as np
import pytest
import scipy.io

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


PUBLISHED_MD5 = "29b51a6cb3eaa73ee0c652fd3feec3e4"  # var_u.mat as published by Shwartz-Ziv & Tishby


def shipped_bytes(name: str) -> bytes:
    return resources.files("deep_bottleneck.datasets").joinpath("data", name).read_bytes()


def test_shipped_harmonics_file_is_the_published_one():
    assert hashlib.md5(shipped_bytes("var_u.mat")).hexdigest() == PUBLISHED_MD5


def test_shipped_split_holds_every_pattern_once_with_its_published_label():
    published = scipy.io.loadmat(io.BytesIO(shipped_bytes("var_u.mat")))
    split = np.load(io.BytesIO(shipped_bytes(harmonics.SPLIT_FILE)))
    assert split["X_train"].shape == (3277, 12) and split["X_test"].shape == (819, 12)
    X = np.concatenate([split["X_train"], split["X_test"]]).astype(np.int64)
    y = np.concatenate([split["y_train"], split["y_test"]])
    assert set(np.unique(X)) == {0, 1}
    pattern = X @ (2 ** np.arange(11, -1, -1))
    np.testing.assert_array_equal(np.sort(pattern), np.arange(4096))
    assert int(y.sum()) == 2118
    np.testing.assert_array_equal(y, published["y"][0][pattern])


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="shared data folder not present")
def test_shipped_files_match_the_shared_data_folder():
    for name in ("var_u.mat", harmonics.SPLIT_FILE):
        assert hashlib.md5(shipped_bytes(name)).digest() == hashlib.md5((SHARED_DATA / name).read_bytes()).digest()


def test_mushroom_split_is_fixed_and_complete():
    training, test = mushroom.load()
    assert len(training.y) + len(test.y) == 8124
    assert training.X.shape[1] == 117
    np.testing.assert_array_equal(mushroom.load()[1].y, test.y)
