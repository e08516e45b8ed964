"""Fashion-MNIST (Xiao et al. 2017): 60000 training and 10000 test 28x28 images of clothing, 10 classes.

Prepared as MNIST: flattened to 784 inputs scaled to [-1, 1], optionally down-sampled by block averages.
"""

from __future__ import annotations

from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.datasets._images import (
    FASHION_MNIST_FILES,
    check_cached_or_download,
    has_fashion_mnist_files,
    image_splits,
    keras_datasets_dir,
    load_cached_or_download,
    read_fashion_mnist_folder,
)

EXPECTED = f"a folder with Keras' four gzipped IDX files ({', '.join(FASHION_MNIST_FILES)})"


def load(path: str | None = None, downsample: int = 1) -> tuple[DataSplit, DataSplit]:
    """Load Fashion-MNIST.

    Args:
        path: A folder holding the four files; by default Keras' cache, downloaded by Keras if missing.
        downsample: Side of the square blocks averaged into one input (1: none).

    Returns:
        ``(training, test)`` ``DataSplit`` s, X in [-1, 1] of shape [N, (28 // downsample) ** 2].

    Raises:
        DatasetError: No folder at ``path``, or Fashion-MNIST is neither cached nor downloadable.
    """
    import keras

    arrays = load_cached_or_download("Fashion-MNIST", path, keras_datasets_dir() / "fashion-mnist",
                                     read_fashion_mnist_folder, keras.datasets.fashion_mnist.load_data, EXPECTED,
                                     is_complete=has_fashion_mnist_files)
    return image_splits(arrays, downsample)


def check_files(path: str | None = None, downsample: int = 1) -> None:
    """Make sure the data is there (named, cached, or downloaded now), before a run takes an id.

    Raises:
        DatasetError: As ``load``.
    """
    import keras

    check_cached_or_download("Fashion-MNIST", path, keras_datasets_dir() / "fashion-mnist",
                             keras.datasets.fashion_mnist.load_data, EXPECTED, is_complete=has_fashion_mnist_files)
