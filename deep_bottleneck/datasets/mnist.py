"""MNIST (LeCun et al. 1998): 60000 training and 10000 test images of handwritten digits, 10 classes.

As in the original: images flattened to 784 inputs and scaled from [0, 255] to [-1, 1]. With ``downsample=2``
each 2x2 block is averaged first (14x14 = 196 inputs, as the convolutional experiment of the "extended MI
estimator" study).
"""

from __future__ import annotations

from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.datasets._images import (
    check_cached_or_download,
    image_splits,
    keras_datasets_dir,
    load_cached_or_download,
    read_mnist_npz,
)

EXPECTED = "mnist.npz (Keras' file: arrays x_train [60000, 28, 28], y_train, x_test, y_test as uint8)"


def load(path: str | None = None, downsample: int = 1) -> tuple[DataSplit, DataSplit]:
    """Load MNIST.

    Args:
        path: An ``mnist.npz`` to read; by default Keras' cached copy, downloaded by Keras if missing.
        downsample: Side of the square blocks averaged into one input (1: none).

    Returns:
        ``(training, test)`` ``DataSplit`` s, X in [-1, 1] of shape [N, (28 // downsample) ** 2].

    Raises:
        DatasetError: No file at ``path``, or MNIST is neither cached nor downloadable.
    """
    import keras

    arrays = load_cached_or_download("MNIST", path, keras_datasets_dir() / "mnist.npz", read_mnist_npz,
                                     keras.datasets.mnist.load_data, EXPECTED)
    return image_splits(arrays, downsample)


def check_files(path: str | None = None, downsample: int = 1) -> None:
    """Make sure the data is there (named, cached, or downloaded now), before a run takes an id.

    Raises:
        DatasetError: As ``load``.
    """
    import keras

    check_cached_or_download("MNIST", path, keras_datasets_dir() / "mnist.npz", keras.datasets.mnist.load_data,
                             EXPECTED)
