"""The harmonics data of Shwartz-Ziv & Tishby (2017): 4096 12-bit inputs, 2 classes.

Uses the published 80/20 split (Saxe et al. 2018): 3277 training and 819 test rows;
together they are all 4096 patterns.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from deep_bottleneck.data_split import DataSplit, make_split

SPLIT_FILE = "IB_data_2017_12_21_16_51_3_275766.npz"


def load_inputs_in_01() -> tuple[DataSplit, DataSplit]:
    """Training and test split with the inputs as 0/1 bits."""
    with resources.files("deep_bottleneck.datasets").joinpath("data", SPLIT_FILE).open("rb") as f:
        arrays = dict(np.load(f))
    training = make_split(arrays["X_train"], arrays["y_train"], n_classes=2)
    test = make_split(arrays["X_test"], arrays["y_test"], n_classes=2)
    return training, test


def load() -> tuple[DataSplit, DataSplit]:
    """Load the harmonics data set.

    Returns:
        ``(training, test)``, each a ``DataSplit`` with fields X (float32 0/1 bits), y and Y.
    """
    return load_inputs_in_01()
