"""Logs training and validation loss and accuracy of every epoch."""

from __future__ import annotations

from typing import Callable

import keras

#: Keras log key -> metric name, as the original framework named them.
METRIC_NAMES = {
    "loss": "training.loss",
    "accuracy": "training.accuracy",
    "val_loss": "validation.loss",
    "val_accuracy": "validation.accuracy",
}


class MetricsLogger(keras.callbacks.Callback):
    """Send each epoch's metrics to ``log_scalar(name, value, step)`` (e.g. Sacred's ``run.log_scalar``).

    Args:
        log_scalar: Receives metric name, value and the 0-based epoch.
        prefix: Put before every metric name (the pipeline uses ``run_<k>.`` when repeating runs).
    """

    def __init__(self, log_scalar: Callable[[str, float, int], None], prefix: str = "") -> None:
        super().__init__()
        self.log_scalar = log_scalar
        self.prefix = prefix

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        for key, name in METRIC_NAMES.items():
            if logs and key in logs:
                self.log_scalar(self.prefix + name, float(logs[key]), epoch)
