"""The harmonics data with inputs mapped from {0, 1} to {-1, 1} (zero mean)."""

from __future__ import annotations

from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.datasets.harmonics import load_inputs_in_01


def load() -> tuple[DataSplit, DataSplit]:
    """Load the harmonics data set with inputs in {-1, 1}.

    Returns:
        ``(training, test)`` ``DataSplit`` s.
    """
    return tuple(split._replace(X=split.X * 2.0 - 1.0) for split in load_inputs_in_01())
