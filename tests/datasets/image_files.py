"""Small MNIST and Fashion-MNIST files in the real formats Keras caches them in (nothing is downloaded)."""

import gzip
import struct
from pathlib import Path

import numpy as np

from deep_bottleneck.datasets._images import FASHION_MNIST_FILES


def random_images(n_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images [n, 28, 28] (0 and 255 occur) and labels 0..9, each class present."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n_rows, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    return images, (np.arange(n_rows) % 10).astype(np.uint8)


def write_mnist_npz(path: Path, n_train: int = 60, n_test: int = 20) -> Path:
    """An ``mnist.npz`` as Keras' ``mnist.load_data`` reads it."""
    (x_train, y_train), (x_test, y_test) = random_images(n_train, 0), random_images(n_test, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def write_idx(path: Path, array: np.ndarray) -> None:
    """A gzipped IDX file of unsigned bytes: magic 0x0000 0x08 n_dims, big-endian dimensions, the bytes."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fashion_mnist_folder(folder: Path, n_train: int = 60, n_test: int = 20) -> Path:
    """The four gzipped IDX files of Fashion-MNIST as Keras caches them in ``datasets/fashion-mnist``."""
    (x_train, y_train), (x_test, y_test) = random_images(n_train, 2), random_images(n_test, 3)
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(FASHION_MNIST_FILES, (x_train, y_train, x_test, y_test)):
        write_idx(folder / name, array)
    return folder
