"""Logs training and validation loss and accuracy of every epoch."""

from __future__ import annotations

from typing import Callable, Collection

import keras
import pandas as pd

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
    """

    def __init__(self, log_scalar: Callable[[str, float, int], None]) -> None:
        super().__init__()
        self.log_scalar = log_scalar

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        for key, name in METRIC_NAMES.items():
            if logs and key in logs:
                self.log_scalar(name, float(logs[key]), epoch)


def stored_metrics(metrics_json: dict) -> pd.DataFrame:
    """The per-repetition metrics of a stored run (Sacred's ``metrics.json``: ``{name: {steps, values}}``) as
    columns ``run, name, epoch, value``: ``run_<k>.<name>`` with several repetitions, plain names with one."""
    names = list(metrics_json)
    several = any(name.startswith("run_") for name in names)
    rows = []
    for name in names:
        if several and not name.startswith("run_"):
            continue
        run, metric = (int(name.split(".")[0][4:]), name.split(".", 1)[1]) if several else (0, name)
        rows += [(run, metric, step, value) for step, value in zip(metrics_json[name]["steps"],
                                                                  metrics_json[name]["values"])]
    return pd.DataFrame(rows, columns=["run", "name", "epoch", "value"])


class MetricsOverRuns:
    """Logs each repetition's metrics under ``run_<k>.<name>`` and their mean under ``<name>``, logged for an
    epoch as soon as every repetition has reached it, so ``training.loss`` exists whatever ``n_runs`` is and grows
    while the repetitions train. With one repetition, metrics are logged under their plain names.

    Args:
        log_scalar: Receives metric name, value and the 0-based epoch.
        n_runs: Number of repetitions.
        repetition_epochs: The epochs at which each repetition's own metrics (``run_<k>.<name>``) are logged, or
            None for every epoch; the mean is logged at every epoch either way, and ``rows`` keeps every value.
    """

    def __init__(self, log_scalar: Callable[[str, float, int], None], n_runs: int,
                 repetition_epochs: Collection[int] | None = None) -> None:
        self.log_scalar = log_scalar
        self.n_runs = n_runs
        self.repetition_epochs = None if repetition_epochs is None else frozenset(int(e) for e in repetition_epochs)
        self._values: dict[str, dict[int, dict[int, float]]] = {}
        #: ``(run, name, epoch, value)`` of everything logged, for the plots.
        self.rows: list[tuple[int, str, int, float]] = []

    def frame(self) -> pd.DataFrame:
        """Every logged value: columns ``run, name, epoch, value``."""
        return pd.DataFrame(self.rows, columns=["run", "name", "epoch", "value"])

    def log(self, run: int, name: str, value: float, step: int) -> None:
        """Log one metric of repetition ``run``."""
        self.rows.append((run, name, step, value))
        if self.n_runs == 1:
            self.log_scalar(name, value, step)
            return
        if self.repetition_epochs is None or step in self.repetition_epochs:
            self.log_scalar(f"run_{run}.{name}", value, step)
        reached = self._values.setdefault(name, {}).setdefault(step, {})
        reached[run] = value
        if len(reached) == self.n_runs:
            # Summed in the order of the repetitions, so the mean does not depend on which finished first.
            self.log_scalar(name, sum(reached[k] for k in sorted(reached)) / self.n_runs, step)
            del self._values[name][step]
