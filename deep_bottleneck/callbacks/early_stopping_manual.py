"""Stop training once a monitored metric reaches a given value."""

from __future__ import annotations

import keras

#: Keras 2 names still found in old configs.
LEGACY_NAMES = {"acc": "accuracy", "val_acc": "val_accuracy"}


class EarlyStoppingAtSpecificAccuracy(keras.callbacks.Callback):
    """Stop training at the end of the first epoch where ``logs[monitor] >= value``."""

    def __init__(self, monitor: str = "val_accuracy", value: float = 0.94) -> None:
        super().__init__()
        self.monitor = LEGACY_NAMES.get(monitor, monitor)
        self.value = value

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if logs is not None and logs.get(self.monitor, float("-inf")) >= self.value:
            self.model.stop_training = True


def load(monitor: str = "val_accuracy", value: float = 0.94) -> EarlyStoppingAtSpecificAccuracy:
    """Callback plug-in entry point."""
    return EarlyStoppingAtSpecificAccuracy(monitor, value)
