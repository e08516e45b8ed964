"""UCI Mushroom (Schlimmer 1987): 8124 mushrooms, 117 one-hot features, edible (0) or poisonous (1).

Split 80/20 into training and test by a fixed permutation, the same on every machine.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from deep_bottleneck.data_split import DataSplit, split_by_permutation

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
    return split_by_permutation(table[:, 2:], table[:, 1].astype(np.int32), 2, TEST_FRACTION, SPLIT_SEED)
