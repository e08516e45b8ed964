"""The synthetic data of the "extended MI estimator" study (Tishby's experiment without his data).

12 inputs drawn uniformly from {-1, 0, 1, 2, 3}.

Two labellings, chosen with ``labels``:

- ``threshold``: 1 when the mean of the inputs plus Gaussian noise (sd 0.1) exceeds 0.7;
- ``complicated``: 1 when x2 x3 + x4 x5 + ... + x10 x11 - x0^2 plus Gaussian noise (sd 0.2) exceeds its mean
  over the rows. (That study's code summed the products over the whole array, a constant, which left x0 the only
  input the label depended on; here each row's own products count, as its text intends.)

Rows are split 80/20 by a fixed permutation of the same seed.
"""

from __future__ import annotations

import numpy as np

from deep_bottleneck.data_split import DataSplit, split_by_permutation

N_INPUTS = 12
TEST_FRACTION = 0.2
LABELLINGS = ("threshold", "complicated")


def threshold_labels(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return (X.mean(axis=1) + rng.normal(scale=0.1, size=len(X)) > 0.7).astype(np.int32)


def complicated_labels(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    score = (X[:, 2::2] * X[:, 3::2]).sum(axis=1) - X[:, 0] ** 2
    noisy = score + rng.normal(scale=0.2, size=len(X))
    return (noisy > score.mean()).astype(np.int32)


def load(labels: str = "threshold", n_rows: int = 1000, seed: int = 0) -> tuple[DataSplit, DataSplit]:
    """Generate the data set.

    Args:
        labels: ``threshold`` or ``complicated``.
        n_rows: Rows in training and test together (the study: 1000).
        seed: Seed of the inputs, the noise and the split.

    Returns:
        ``(training, test)`` ``DataSplit`` s with integer-valued inputs in [-1, 3].
    """
    if labels not in LABELLINGS:
        raise ValueError(f"labels must be one of {', '.join(LABELLINGS)}, got {labels!r}")
    if n_rows < 2:
        raise ValueError(f"n_rows must be at least 2, got {n_rows!r}")
    rng = np.random.default_rng(seed)
    X = rng.integers(-1, 4, size=(n_rows, N_INPUTS)).astype(np.float32)
    y = threshold_labels(X, rng) if labels == "threshold" else complicated_labels(X, rng)
    return split_by_permutation(X, y, 2, TEST_FRACTION, seed)
