"""The data of a JAX notebook demonstrating the information bottleneck: 10-bit inputs in 16 groups.

10 binary inputs (an integer n in 0..1023 in binary), the label fixed by n mod 16.

The 16 groups n mod 16 = 0..15 get the labels of eight zeros and eight ones in a seeded random order, so the label
is a deterministic function of the input with both classes equally likely: I(X;Y) = H(Y) = 1 bit (ln 2 nats).
Rows are drawn uniformly from the 1024 integers, 50000 for training and 10000 for test as in the notebook.
"""

from __future__ import annotations

import numpy as np

from deep_bottleneck.data_split import DataSplit, make_split

N_BITS = 10
N_GROUPS = 16


def group_labels(rng: np.random.Generator) -> np.ndarray:
    """The label of each of the 16 groups: eight 0s and eight 1s in random order."""
    return rng.permutation(np.repeat([0, 1], N_GROUPS // 2)).astype(np.int32)


def as_bits(integers: np.ndarray) -> np.ndarray:
    """Each integer as 10 bits (most significant first), float32 0/1."""
    return ((integers[:, None] >> np.arange(N_BITS - 1, -1, -1)) & 1).astype(np.float32)


def load(n_train: int = 50000, n_test: int = 10000, seed: int = 0) -> tuple[DataSplit, DataSplit]:
    """Generate the data set.

    Args:
        n_train: Training rows.
        n_test: Test rows.
        seed: Seed of the group labels and the rows.

    Returns:
        ``(training, test)`` ``DataSplit`` s with X the 10 bits and 2 classes.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be positive, got {n_train!r} and {n_test!r}")
    rng = np.random.default_rng(seed)
    labels = group_labels(rng)
    integers = rng.integers(0, 2 ** N_BITS, size=n_train + n_test)
    splits = [make_split(as_bits(part), labels[part % N_GROUPS], 2)
              for part in (integers[:n_train], integers[n_train:])]
    return splits[0], splits[1]
