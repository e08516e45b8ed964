"""The 8x8 handwritten digits scikit-learn ships (UCI optdigits test set): 1797 images, 10 classes, shipped here as
``data/digits.csv.gz`` (scikit-learn's file: 64 pixel columns, then the class), so scikit-learn is not needed.

Pixels (0..16) flattened to 64 inputs and scaled to [-1, 1] as the MNIST inputs are; split 80/20 into 1438
training and 359 test rows by a fixed permutation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deep_bottleneck.data_split import DataSplit, split_by_permutation

DATA_FILE = Path(__file__).resolve().parent / "data" / "digits.csv.gz"

SPLIT_SEED = 0
TEST_FRACTION = 0.2
MAX_PIXEL = 16.0


def load() -> tuple[DataSplit, DataSplit]:
    """Load the digits.

    Returns:
        ``(training, test)`` ``DataSplit`` s with X of shape [N, 64] in [-1, 1] (an 8x8 image per row).
    """
    table = np.loadtxt(DATA_FILE, delimiter=",", dtype=np.int64)
    X = (table[:, :-1] / MAX_PIXEL * 2.0 - 1.0).astype(np.float32)
    return split_by_permutation(X, table[:, -1], 10, TEST_FRACTION, SPLIT_SEED)
