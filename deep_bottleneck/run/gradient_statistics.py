"""Records each layer's gradient signal and noise at the snapshot epochs (Shwartz-Ziv & Tishby's drift and
diffusion phases), for ``plotter.snr``.

At a snapshot epoch, training (``deep_bottleneck.training``) hands over the mean and the standard deviation of
every weight's gradient over that epoch's minibatches, the very batches the optimizer stepped on. Per layer
(its kernel, the weight matrix) this writes the norm of the mean, the norm of the standard deviation, their
ratio (the signal-to-noise ratio) and the norm of the weights at the epoch's end to ``gradients/run_<k>.csv``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

import keras
import numpy as np
import pandas as pd

from deep_bottleneck.models.base import recorded_layers
from deep_bottleneck.record_file import reported_write_failures
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
        path: CSV file to write (rows are flushed epoch by epoch).
    """

    def __init__(self, epochs_to_record: Iterable[int], path: Path) -> None:
        super().__init__()
        self.epochs_to_record = {int(epoch) for epoch in epochs_to_record}
        self.path = Path(path)
        self._file = None
        self._writer = None
        self._kernels: list[tuple[int, str, int]] = []

    def on_train_begin(self, logs=None) -> None:
        paths = [variable.path for variable in self.model.trainable_variables]
        self._kernels = [(index, layer.name, paths.index(layer.kernel.path))
                         for index, layer in enumerate(recorded_layers(self.model))
                         if layer.kernel.path in paths]
        with reported_write_failures(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "w", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(COLUMNS)

    def wants_gradient_moments(self, epoch: int) -> bool:
        return epoch in self.epochs_to_record

    def on_gradient_moments(self, epoch: int, moments: GradientMoments) -> None:
        weights = self.model.trainable_variables
        for layer, name, variable in self._kernels:
            mean_norm = float(np.linalg.norm(moments.mean[variable]))
            std_norm = float(np.linalg.norm(moments.std[variable]))
            weight_norm = float(np.linalg.norm(np.asarray(weights[variable].value)))
            snr = mean_norm / std_norm if std_norm > 0 else float("nan")
            with reported_write_failures(self.path):
                self._writer.writerow([epoch, layer, name, moments.n_batches, mean_norm, std_norm, snr, weight_norm])
        with reported_write_failures(self.path):
            self._file.flush()

    def on_train_end(self, logs=None) -> None:
        if self._file is not None:
            self._file.close()
