"""The contract every built-in dataset plug-in honours (MNIST-like ones read small files in Keras' formats)."""

import numpy as np
import pytest

from deep_bottleneck import plugins
from tests.datasets.image_files import write_fashion_mnist_folder, write_mnist_npz

FILE_WRITERS = {"datasets.mnist": lambda folder: write_mnist_npz(folder / "mnist.npz"),
                "datasets.fashion_mnist": lambda folder: write_fashion_mnist_folder(folder / "fashion")}


@pytest.mark.parametrize("name", plugins.available("dataset"))
def test_a_dataset_returns_a_training_and_a_test_split_of_one_shape(name, tmp_path):
    arguments = {"path": str(FILE_WRITERS[name](tmp_path))} if name in FILE_WRITERS else {}
    training, test = plugins.load_plugin("dataset", name, **arguments)
    assert len(training.X) > len(test.X) > 0
    assert training.X.shape[1:] == test.X.shape[1:] and training.X.ndim == 2
    assert training.n_classes == test.n_classes >= 2
    for split in (training, test):
        assert split.X.dtype == np.float32 and split.y.dtype == np.int32 and split.Y.dtype == np.float32
        assert np.isfinite(split.X).all()
        assert len(split.X) == len(split.y) == len(split.Y)
        np.testing.assert_array_equal(split.Y.argmax(axis=1), split.y)
        np.testing.assert_array_equal(split.Y.sum(axis=1), 1)
    assert len(np.unique(np.concatenate([training.y, test.y]))) == training.n_classes
