"""Stop training once a monitored metric reaches a given value: a loss at or below it, an accuracy at or above it."""

from __future__ import annotations

import keras

from deep_bottleneck.errors import closest_match_hint

#: Keras 2 names still found in old configs.
LEGACY_NAMES = {"acc": "accuracy", "val_acc": "val_accuracy"}
#: The metrics training reports at the end of every epoch.
MONITORED_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
#: ``min``: stop at or below the value; ``max``: at or above it; ``auto``: ``min`` for a loss, else ``max``.
MODES = ("auto", "min", "max")


def direction(monitor: str, mode: str = "auto") -> str:
    """``min`` or ``max``: whether reaching ``value`` means falling to it or rising to it."""
    if mode != "auto":
        return mode
    return "min" if "loss" in monitor else "max"


class EarlyStoppingAtSpecificAccuracy(keras.callbacks.Callback):
    """Stop training at the end of the first epoch where ``logs[monitor]`` reaches ``value`` (``<=`` for ``min``,
    ``>=`` for ``max``).

    Attributes:
        stop_reason: Why training stopped early (metric, value, epoch), or None; the pipeline logs it and stores
            it in the run's info.
    """

    def __init__(self, monitor: str = "val_accuracy", value: float = 0.94, mode: str = "auto") -> None:
        super().__init__()
        self.monitor = LEGACY_NAMES.get(monitor, monitor)
        self.value = value
        self.mode = direction(self.monitor, mode)
        self.stop_reason: str | None = None

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if logs is None or self.monitor not in logs:
            return
        current = float(logs[self.monitor])
        reached = current <= self.value if self.mode == "min" else current >= self.value
        if reached:
            self.model.stop_training = True
            self.stop_reason = (f"{self.monitor} {current:.4g} {'<=' if self.mode == 'min' else '>='} {self.value:g} "
                                f"at epoch {epoch}")


def load(monitor: str = "val_accuracy", value: float = 0.94, mode: str = "auto") -> EarlyStoppingAtSpecificAccuracy:
    """Callback plug-in entry point.

    Args:
        monitor: One of ``MONITORED_METRICS`` (or the Keras 2 names ``acc``, ``val_acc``).
        value: Training stops at the end of the first epoch where the metric reaches this.
        mode: ``auto`` (a loss falls to ``value``, an accuracy rises to it), ``min`` or ``max``.

    Raises:
        ValueError: ``monitor`` names no metric training reports, ``value`` is not a number, or ``mode`` is unknown.
    """
    if LEGACY_NAMES.get(monitor, monitor) not in MONITORED_METRICS:
        raise ValueError(f"no metric is named {monitor!r}.{closest_match_hint(str(monitor), MONITORED_METRICS)} "
                         f"Training reports {', '.join(MONITORED_METRICS)}.")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"value must be a number, got {value!r}.")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}.{closest_match_hint(str(mode), MODES)}")
    return EarlyStoppingAtSpecificAccuracy(monitor, float(value), mode)
