"""Stop training when the information bottleneck objective of the last hidden layer stops improving.

Every ``every`` epochs, I(X;T) and I(T;Y) of the last hidden layer T are estimated on the rows MI is estimated
on (``calculate_mi_for``), with the run's first configured estimator; the objective is I(T;Y) - beta I(X;T).
Training stops after ``patience`` checks in a row that did not raise the best objective so far by more than
``tolerance`` bits. Each check is written to ``information_stopping/run_<k>.csv`` (the file is rewritten whole at
each check, so a kill never leaves it cut). Its state (best objective, checks without improvement, the checks so
far) goes into the repetition's checkpoint (``resume_state``), so a resumed run stops where it would have.
"""

from __future__ import annotations

import csv
from pathlib import Path

import keras
import numpy as np

from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.record_file import replace_atomically
from deep_bottleneck.mi_estimator.base import MutualInformationEstimator, estimate
from deep_bottleneck.models.base import recorded_layers

COLUMNS = ["epoch", "MI_XM", "MI_YM", "objective", "best", "checks_without_improvement"]


class InformationStopping(keras.callbacks.Callback):
    """Stop when I(T;Y) - beta I(X;T) of the last hidden layer has not improved by more than ``tolerance`` for
    ``patience`` checks.

    Args:
        split: Rows MI is estimated on.
        estimator: Estimator plug-in (``estimate_snapshots``).
        beta: Weight of I(X;T).
        tolerance: Improvement in bits a check must exceed to count.
        patience: Checks without improvement before training stops.
        every: Epochs between checks (at the end of epochs every - 1, 2 * every - 1, ...).
        path: CSV file of the checks, or None.
    """

    def __init__(self, split: DataSplit, estimator: MutualInformationEstimator, beta: float = 1.0,
                 tolerance: float = 1e-3, patience: int = 5, every: int = 10, path: Path | None = None) -> None:
        super().__init__()
        self.split, self.estimator = split, estimator
        self.beta, self.tolerance, self.patience, self.every = beta, tolerance, patience, every
        self.path = Path(path) if path is not None else None
        self.best = -np.inf
        self.waited = 0
        self.stopped_epoch: int | None = None
        self._extractor: keras.Model | None = None
        self._rows: list[list[float]] = []
        self._restored = False

    def resume_state(self) -> dict:
        """What a resumed repetition needs to go on checking as this one would (JSON values)."""
        return {"best": self.best, "waited": self.waited, "rows": self._rows}

    def restore_state(self, state: dict) -> None:
        """Continue from ``resume_state()`` of the repetition being resumed (before training starts)."""
        self.best, self.waited, self._rows = state["best"], state["waited"], [list(row) for row in state["rows"]]
        self._restored = True

    def _write_rows(self) -> None:
        if self.path is None:
            return

        def write(temporary: Path) -> None:
            with open(temporary, "w", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(COLUMNS)
                writer.writerows(self._rows)

        replace_atomically(self.path, write)

    def on_train_begin(self, logs=None) -> None:
        layers = recorded_layers(self.model)
        if len(layers) < 2:
            raise ValueError("The information stopping criterion needs a hidden layer; the model has none.")
        self._extractor = keras.Model(self.model.inputs, layers[-2].output)
        self.stopped_epoch = None
        if not self._restored:
            self.best, self.waited, self._rows = -np.inf, 0, []
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._write_rows()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every:
            return
        activations = np.asarray(self._extractor.predict_on_batch(self.split.X), dtype=np.float32)
        mi_x, mi_y = estimate(self.estimator, activations, self.split.y)
        objective = mi_y - self.beta * mi_x
        if objective > self.best + self.tolerance:
            self.best, self.waited = objective, 0
        else:
            self.waited += 1
        self._rows.append([epoch, float(mi_x), float(mi_y), float(objective), float(self.best), self.waited])
        self._write_rows()
        if self.waited >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            print(f"Information stopping: I(T;Y) - {self.beta:g} I(X;T) of the last hidden layer has not improved "
                  f"by more than {self.tolerance:g} bits in {self.patience} checks; stopped after epoch {epoch}.")


def load(information_stopping_file: Path | None = None, mi_split: DataSplit | None = None,
         estimator: MutualInformationEstimator | None = None, beta: float = 1.0, tolerance: float = 1e-3,
         patience: int = 5, every: int = 10) -> InformationStopping:
    """Callback plug-in entry point; the pipeline gives ``information_stopping_file``, ``mi_split`` and ``estimator``.

    Args:
        information_stopping_file: Where the checks are written (the run folder's ``information_stopping/run_<k>.csv``).
        mi_split: Rows MI is estimated on.
        estimator: The run's first configured estimator.
        beta: Weight of I(X;T) in the objective.
        tolerance: Improvement in bits a check must exceed (>= 0).
        patience: Checks without improvement before stopping.
        every: Epochs between checks.

    Raises:
        ValueError: A count is not a positive integer or ``tolerance``/``beta`` is negative.
    """
    for name, value in (("patience", patience), ("every", every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    for name, value in (("beta", beta), ("tolerance", tolerance)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}.")
    empty = DataSplit(np.zeros((0, 1), np.float32), np.zeros(0, np.int32), np.zeros((0, 1), np.float32))
    path = Path(information_stopping_file) if information_stopping_file else None
    return InformationStopping(mi_split if mi_split is not None else empty, estimator, float(beta),
                               float(tolerance), patience, every, path)
