"""The container every dataset plug-in returns, and helpers on it."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class DataSplit(NamedTuple):
    """One split of a classification data set.

    Attributes:
        X: Inputs, float32, shape [N, ...].
        y: Class index per row, int32, shape [N].
        Y: One-hot class, float32, shape [N, n_classes].
    """

    X: np.ndarray
    y: np.ndarray
    Y: np.ndarray

    @property
    def n_classes(self) -> int:
        return self.Y.shape[1]


def make_split(X: np.ndarray, y: np.ndarray, n_classes: int | None = None) -> DataSplit:
    """Build a ``DataSplit`` from inputs and integer labels."""
    y = np.asarray(y).astype(np.int32).ravel()
    n_classes = int(y.max()) + 1 if n_classes is None else n_classes
    Y = np.eye(n_classes, dtype=np.float32)[y]
    return DataSplit(np.asarray(X, dtype=np.float32), y, Y)


def distinct_rows(X: np.ndarray) -> int:
    """How many different rows ``X`` [N, ...] holds (rows compared by their bytes)."""
    if len(X) == 0:
        return 0
    rows = np.ascontiguousarray(np.asarray(X).reshape(len(X), -1))
    return len(np.unique(rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()))


def construct_full_dataset(training: DataSplit, test: DataSplit) -> DataSplit:
    """Concatenate the training and test splits into the full data set."""
    return DataSplit(*(np.concatenate([a, b]) for a, b in zip(training, test)))


def select_mi_split(training: DataSplit, test: DataSplit, calculate_mi_for: str) -> DataSplit:
    """Return the split mutual information is computed on."""
    if calculate_mi_for == "training":
        return training
    if calculate_mi_for == "test":
        return test
    if calculate_mi_for == "full_dataset":
        return construct_full_dataset(training, test)
    raise ValueError(f"calculate_mi_for must be training, test or full_dataset, got {calculate_mi_for!r}")


def split_by_permutation(
    X: np.ndarray, y: np.ndarray, n_classes: int, test_fraction: float, seed: int,
) -> tuple[DataSplit, DataSplit]:
    """Split rows into training and test by a seeded permutation: the same split on every machine.

    Returns:
        ``(training, test)``; test holds ``round(test_fraction * N)`` rows.
    """
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test_rows, training_rows = order[:n_test], order[n_test:]
    return make_split(X[training_rows], y[training_rows], n_classes), make_split(X[test_rows], y[test_rows], n_classes)
