"""UCI Mushroom (Schlimmer 1987): 8124 mushrooms, 117 one-hot features, edible (0) or poisonous (1).

Split 80/20 into training and test by a fixed permutation, the same on every machine.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from deep_bottleneck.data_split import DataSplit, make_split

DATA_FILE = "mushroom.csv"
SPLIT_SEED = 0
TEST_FRACTION = 0.2


def load() -> tuple[DataSplit, DataSplit]:
    """Load the mushroom data set.

    Returns:
        ``(training, test)`` ``DataSplit`` s with X the 117 one-hot features and y 1 for poisonous.
    """
    with resources.files("deep_bottleneck.datasets").joinpath("data", DATA_FILE).open("rb") as f:
        table = np.loadtxt(f, delimiter=",", skiprows=1, dtype=np.float32)
    X, y = table[:, 2:], table[:, 1].astype(np.int32)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))
    n_test = int(round(TEST_FRACTION * len(y)))
    test_rows, training_rows = order[:n_test], order[n_test:]
    return make_split(X[training_rows], y[training_rows], 2), make_split(X[test_rows], y[test_rows], 2)
