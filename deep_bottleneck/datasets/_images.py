"""Shared steps of the image data sets: Keras' cache, the file formats, scaling and down-sampling.

Keras 3 caches its data sets under ``$KERAS_HOME/datasets`` (``~/.keras/datasets`` by default): MNIST as
``mnist.npz`` (arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``), Fashion-MNIST as four gzipped IDX files
in ``fashion-mnist/``. The loaders read those files directly when they are there, call Keras' own loader (which
downloads them) when they are not, and say where to put which file when that fails.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Callable

import numpy as np

from deep_bottleneck.data_split import DataSplit, make_split
from deep_bottleneck.errors import DatasetError

ImageArrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
FASHION_MNIST_FILES = (
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
)


def keras_datasets_dir() -> Path:
    """The folder Keras caches data sets in (``$KERAS_HOME/datasets``, by default ``~/.keras/datasets``)."""
    from keras.src.backend import config

    return Path(config.keras_home()).expanduser() / "datasets"


def read_mnist_npz(path: Path) -> ImageArrays:
    """``((x_train, y_train), (x_test, y_test))`` from an ``mnist.npz`` as Keras writes it."""
    with np.load(path, allow_pickle=False) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def read_idx(path: Path) -> np.ndarray:
    """An array from a gzipped IDX file (the format of MNIST and Fashion-MNIST): unsigned bytes only."""
    try:
        with gzip.open(path, "rb") as f:
            content = f.read()
    except (OSError, EOFError) as exc:
        raise DatasetError(
            f"{path} cannot be read ({type(exc).__name__}: {exc}); it must be a gzipped IDX file.") from None
    if len(content) < 4 or content[:2] != b"\0\0" or content[2] != 0x08:
        raise DatasetError(f"{path} is not a gzipped IDX file of unsigned bytes (its header is {content[:4]!r}).")
    n_dims = content[3]
    shape = tuple(int.from_bytes(content[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims))
    return np.frombuffer(content, np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def has_fashion_mnist_files(folder: Path) -> bool:
    return all((folder / name).exists() for name in FASHION_MNIST_FILES)


def read_fashion_mnist_folder(folder: Path) -> ImageArrays:
    """``((x_train, y_train), (x_test, y_test))`` from a folder with the four files of ``FASHION_MNIST_FILES``."""
    x_train, y_train, x_test, y_test = (read_idx(folder / name) for name in FASHION_MNIST_FILES)
    return (x_train, y_train), (x_test, y_test)


def load_cached_or_download(
    name: str, path: str | None, cached: Path, read: Callable[[Path], ImageArrays],
    download: Callable[[], ImageArrays], expected: str, is_complete: Callable[[Path], bool] = Path.exists,
) -> ImageArrays:
    """The arrays of a Keras data set: from ``path`` if given, else from Keras' cache, else downloaded by Keras.

    Args:
        name: The data set's name in messages.
        path: A file or folder the user named in the config, or None.
        cached: Where Keras keeps the data set once downloaded.
        read: Reads the arrays from a file or folder.
        download: Keras' own loader (downloads into the cache).
        expected: What the file or folder must hold, for the error message.
        is_complete: Whether ``cached`` holds the whole data set (else Keras downloads it again).

    Raises:
        DatasetError: The named path does not exist, or nothing is cached and the download failed.
    """
    if check_cached_or_download(name, path, cached, download, expected, is_complete) == "downloaded":
        return download()
    return _read_or_explain(read, Path(path).expanduser() if path is not None else cached, expected)


def check_cached_or_download(
    name: str, path: str | None, cached: Path, download: Callable[[], ImageArrays], expected: str,
    is_complete: Callable[[Path], bool] = Path.exists,
) -> str:
    """Make sure the data set's file is there before a run starts: ``"named"`` (``path`` exists), ``"cached"``, or
    ``"downloaded"`` (by Keras, into its cache; a second ``download()`` reads the cache).

    Raises:
        DatasetError: As ``load_cached_or_download``.
    """
    if path is not None:
        if not Path(path).expanduser().exists():
            raise DatasetError(f"The {name} data named in the config is not at {path!r}: put {expected} there.")
        return "named"
    if is_complete(cached):
        return "cached"
    try:
        download()
        return "downloaded"
    except Exception as exc:
        raise DatasetError(
            f"{name} is not in Keras' cache and could not be downloaded ({type(exc).__name__}: {exc}). "
            f"Put {expected} at {cached} (Keras' cache; $KERAS_HOME moves it), or name a copy in the config: "
            f"dataset_args.path=..."
        ) from None


def _read_or_explain(read: Callable[[Path], ImageArrays], path: Path, expected: str) -> ImageArrays:
    try:
        return read(path)
    except (OSError, EOFError, KeyError, ValueError) as exc:
        raise DatasetError(f"{path} cannot be read ({type(exc).__name__}: {exc}); it must be {expected}.") from None


def scaled_flat(images: np.ndarray, downsample: int) -> np.ndarray:
    """Images of bytes [N, H, W] as rows in [-1, 1], after averaging ``downsample`` x ``downsample`` blocks."""
    images = np.asarray(images, dtype=np.float32)
    if downsample > 1:
        n, height, width = images.shape
        height, width = height // downsample, width // downsample
        blocks = images[:, :height * downsample, :width * downsample].reshape(n, height, downsample, width, downsample)
        images = blocks.mean(axis=(2, 4))
    return (images.reshape(len(images), -1) / 255.0 * 2.0 - 1.0).astype(np.float32)


def image_splits(arrays: ImageArrays, downsample: int) -> tuple[DataSplit, DataSplit]:
    """Training and test ``DataSplit`` s of flattened images in [-1, 1] with 10 classes."""
    if not isinstance(downsample, int) or downsample < 1:
        raise ValueError(f"downsample must be a positive integer, got {downsample!r}")
    (x_train, y_train), (x_test, y_test) = arrays
    return (make_split(scaled_flat(x_train, downsample), y_train, 10),
            make_split(scaled_flat(x_test, downsample), y_test, 10))
