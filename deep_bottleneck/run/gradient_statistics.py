"""Records each layer's gradient signal and noise at the snapshot epochs (Shwartz-Ziv & Tishby's drift and
diffusion phases), for ``plotter.snr``.

At a snapshot epoch, training (``deep_bottleneck.training``) hands over the mean and the standard deviation of
every weight's gradient over that epoch's minibatches, the very batches the optimizer stepped on. Per layer
(its kernel, the weight matrix) this writes the norm of the mean, the norm of the standard deviation, their
ratio (the signal-to-noise ratio) and the norm of the weights at the epoch's end to ``gradients/run_<k>.csv``, which
is rewritten whole at each snapshot (so a kill never leaves it cut); its rows go into the repetition's checkpoint
(``resume_state``), so a resumed run's file equals an uninterrupted one's.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

import keras
import numpy as np
import pandas as pd

from deep_bottleneck.models.base import recorded_layers
from deep_bottleneck.record_file import replace_atomically
from deep_bottleneck.training import GradientMoments

COLUMNS = ["epoch", "layer", "layer_name", "n_batches", "mean_norm", "std_norm", "snr", "weight_norm"]


def read_gradient_statistics(paths: Iterable[Path]) -> pd.DataFrame:
    """The gradient statistics in the files of a run's repetitions (``run_<k>.csv``), with a ``run`` column (empty
    when there are none)."""
    frames = [pd.read_csv(path).assign(run=int(Path(path).stem.split("_")[-1])) for path in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS + ["run"])


class GradientStatisticsRecorder(keras.callbacks.Callback):
    """Write per-layer gradient statistics at the end of chosen epochs.

    Args:
        epochs_to_record: 0-based epochs whose minibatch gradients are summarised.
        path: CSV file to write (rewritten at every snapshot epoch).
    """

    def __init__(self, epochs_to_record: Iterable[int], path: Path) -> None:
        super().__init__()
        self.epochs_to_record = {int(epoch) for epoch in epochs_to_record}
        self.path = Path(path)
        self._rows: list[list] = []
        self._kernels: list[tuple[int, str, int]] = []

    def resume_state(self) -> dict:
        """The rows written so far (JSON values), for a resumed repetition."""
        return {"rows": self._rows}

    def restore_state(self, state: dict) -> None:
        """Continue after the rows of ``resume_state()`` of the repetition being resumed."""
        self._rows = [list(row) for row in state["rows"]]

    def _write_rows(self) -> None:
        def write(temporary: Path) -> None:
            with open(temporary, "w", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(COLUMNS)
                writer.writerows(self._rows)

        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(self.path, write)

    def on_train_begin(self, logs=None) -> None:
        paths = [variable.path for variable in self.model.trainable_variables]
        self._kernels = [(index, layer.name, paths.index(layer.kernel.path))
                         for index, layer in enumerate(recorded_layers(self.model))
                         if layer.kernel.path in paths]
        self._write_rows()

    def wants_gradient_moments(self, epoch: int) -> bool:
        return epoch in self.epochs_to_record

    def on_gradient_moments(self, epoch: int, moments: GradientMoments) -> None:
        weights = self.model.trainable_variables
        for layer, name, variable in self._kernels:
            mean_norm = float(np.linalg.norm(moments.mean[variable]))
            std_norm = float(np.linalg.norm(moments.std[variable]))
            weight_norm = float(np.linalg.norm(np.asarray(weights[variable].value)))
            snr = mean_norm / std_norm if std_norm > 0 else float("nan")
            self._rows.append([epoch, layer, name, moments.n_batches, mean_norm, std_norm, snr, weight_norm])
        self._write_rows()
