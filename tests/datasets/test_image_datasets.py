"""MNIST and Fashion-MNIST read from files in Keras' formats; digits from the shipped copy of scikit-learn's file."""

import gzip
import hashlib
import subprocess
import sys

import numpy as np
import pytest

from deep_bottleneck.datasets import digits, fashion_mnist, mnist
from deep_bottleneck.datasets._images import read_fashion_mnist_folder, read_mnist_npz
from deep_bottleneck.errors import DatasetError
from tests.conftest import PROJECT_ROOT, free_port
from tests.datasets.image_files import random_images, write_fashion_mnist_folder, write_idx, write_mnist_npz


def check_image_splits(training, test, n_train, n_test, n_inputs):
    assert training.X.shape == (n_train, n_inputs) and test.X.shape == (n_test, n_inputs)
    assert training.X.dtype == np.float32 and training.Y.shape == (n_train, 10)
    assert training.X.min() == -1.0 and training.X.max() == 1.0
    assert np.array_equal(training.Y.argmax(axis=1), training.y)
    assert np.bincount(training.y, minlength=10).min() >= n_train // 10


def test_mnist_from_a_file_named_in_the_config(tmp_path):
    path = write_mnist_npz(tmp_path / "copy" / "mnist.npz")
    training, test = mnist.load(path=str(path))
    check_image_splits(training, test, 60, 20, 784)
    (x_train, y_train), _ = read_mnist_npz(path)
    np.testing.assert_allclose(training.X[3], x_train[3].ravel() / 255 * 2 - 1, atol=1e-6)
    np.testing.assert_array_equal(training.y, y_train)


def test_fashion_mnist_from_a_folder_named_in_the_config(tmp_path):
    folder = write_fashion_mnist_folder(tmp_path / "fashion")
    training, test = fashion_mnist.load(path=str(folder))
    check_image_splits(training, test, 60, 20, 784)
    _, (x_test, y_test) = read_fashion_mnist_folder(folder)
    np.testing.assert_allclose(test.X[5], x_test[5].ravel() / 255 * 2 - 1, atol=1e-6)
    np.testing.assert_array_equal(test.y, y_test)


def test_idx_files_read_as_keras_reads_them(tmp_path):
    images, labels = random_images(7, 5)
    write_idx(tmp_path / "images.gz", images)
    write_idx(tmp_path / "labels.gz", labels)
    with gzip.open(tmp_path / "images.gz", "rb") as f:  # Keras: the bytes after a 16-byte header
        keras_way = np.frombuffer(f.read(), np.uint8, offset=16).reshape(7, 28, 28)
    from deep_bottleneck.datasets._images import read_idx

    np.testing.assert_array_equal(read_idx(tmp_path / "images.gz"), keras_way)
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.gz"), labels)


def test_downsampling_averages_2x2_blocks(tmp_path):
    path = write_mnist_npz(tmp_path / "mnist.npz")
    training, _ = mnist.load(path=str(path), downsample=2)
    (x_train, _), _ = read_mnist_npz(path)
    assert training.X.shape == (60, 196)
    block = x_train[0, 2:4, 4:6].astype(np.float64).mean()
    np.testing.assert_allclose(training.X[0].reshape(14, 14)[1, 2], block / 255 * 2 - 1, atol=1e-6)


def test_a_missing_named_file_says_what_to_put_where(tmp_path):
    with pytest.raises(DatasetError, match=r"not at .*nothere\.npz.*mnist\.npz \(Keras' file: arrays x_train"):
        mnist.load(path=str(tmp_path / "nothere.npz"))
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz"):
        fashion_mnist.load(path=str(tmp_path / "nothere"))


def test_a_file_in_another_format_is_named_with_what_it_must_be(tmp_path):
    not_mnist = tmp_path / "mnist.npz"
    np.savez(not_mnist, images=np.zeros((2, 28, 28), dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"mnist\.npz cannot be read \(KeyError.*it must be mnist\.npz \(Keras"):
        mnist.load(path=str(not_mnist))
    folder = write_fashion_mnist_folder(tmp_path / "fashion")
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte\.gz cannot be read \(BadGzipFile.*gzipped IDX file"):
        fashion_mnist.load(path=str(folder))


def no_network_environment(keras_home):
    """A Keras home with nothing cached, and every download sent to a closed local port."""
    closed = f"http://127.0.0.1:{free_port()}"
    return {"KERAS_HOME": str(keras_home), "KERAS_BACKEND": "jax", "PYTHONPATH": str(PROJECT_ROOT),
            "HTTPS_PROXY": closed, "https_proxy": closed, "HTTP_PROXY": closed, "http_proxy": closed,
            "PATH": "/usr/bin:/bin"}


@pytest.mark.parametrize("module, cached", [("mnist", "mnist.npz"), ("fashion_mnist", "fashion-mnist")])
def test_offline_without_a_cached_copy_the_error_says_where_to_put_which_file(tmp_path, module, cached):
    code = f"from deep_bottleneck.datasets import {module}\n{module}.load()"
    done = subprocess.run([sys.executable, "-c", code], env=no_network_environment(tmp_path / "keras"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "could not be downloaded" in done.stderr
    assert f"at {tmp_path / 'keras' / 'datasets' / cached}" in done.stderr
    assert "dataset_args.path" in done.stderr


def test_digits_are_scikit_learns_8x8_images_scaled_and_split():
    training, test = digits.load()
    assert training.X.shape == (1438, 64) and test.X.shape == (359, 64)
    assert training.X.min() == -1.0 and training.X.max() == 1.0
    counts = np.bincount(np.concatenate([training.y, test.y]), minlength=10)
    assert counts.sum() == 1797 and counts.min() >= 170 and counts.max() <= 190
    assert set(np.unique(training.X * 8 + 8)) <= set(range(17)), "pixels 0..16 map to [-1, 1] exactly"
    again, _ = digits.load()
    np.testing.assert_array_equal(again.X, training.X)
    assert hashlib.md5(digits.DATA_FILE.read_bytes()).hexdigest() == "9b335364a7bfd63947c7480a5bd51f2d"


@pytest.mark.parametrize("module", ["mnist", "fashion_mnist"])
def test_keras_cache_under_keras_home_is_read_without_downloading(tmp_path, module):
    keras_home = tmp_path / "keras"
    if module == "mnist":
        write_mnist_npz(keras_home / "datasets" / "mnist.npz", n_train=40, n_test=10)
    else:
        write_fashion_mnist_folder(keras_home / "datasets" / "fashion-mnist", n_train=40, n_test=10)
    code = f"from deep_bottleneck.datasets import {module}\ntraining, test = {module}.load()\n" \
           f"print(training.X.shape, test.X.shape)"
    done = subprocess.run([sys.executable, "-c", code], env=no_network_environment(keras_home),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(40, 784) (10, 784)"
    assert "Downloading" not in done.stdout + done.stderr
