"""Stop training once a monitored metric reaches a given value."""

from __future__ import annotations

import keras

from deep_bottleneck.errors import closest_match_hint

#: Keras 2 names still found in old configs.
LEGACY_NAMES = {"acc": "accuracy", "val_acc": "val_accuracy"}
#: The metrics training reports at the end of every epoch.
MONITORED_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


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
    """Callback plug-in entry point.

    Args:
        monitor: One of ``MONITORED_METRICS`` (or the Keras 2 names ``acc``, ``val_acc``).
        value: Training stops at the end of the first epoch where the metric is at least this.

    Raises:
        ValueError: ``monitor`` names no metric training reports, or ``value`` is not a number.
    """
    if LEGACY_NAMES.get(monitor, monitor) not in MONITORED_METRICS:
        raise ValueError(f"no metric is named {monitor!r}.{closest_match_hint(str(monitor), MONITORED_METRICS)} "
                         f"Training reports {', '.join(MONITORED_METRICS)}.")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"value must be a number, got {value!r}.")
    return EarlyStoppingAtSpecificAccuracy(monitor, float(value))
