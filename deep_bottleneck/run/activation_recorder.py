"""Records the activations of every layer with weights, readout included, at the snapshot epochs.

Dense layers give their activations; convolutional layers their output flattened to one row per input
(height x width x channels); batch normalisation its output after normalisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

import keras
import numpy as np

from deep_bottleneck.activation_file import ActivationWriter
from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.models.base import layer_activations, recorded_layers, recorded_width


class ActivationRecorder(keras.callbacks.Callback):
    """Write all layers' activations on ``split`` to an HDF5 file at the end of chosen epochs.

    Args:
        split: Rows the activations are computed on.
        split_name: ``training``, ``test`` or ``full_dataset``.
        epochs_to_record: 0-based epochs at whose end a snapshot is taken.
        path: HDF5 file to write (see ``deep_bottleneck.activation_file``).
        on_snapshot: Also called with ``(epoch, layer names, activations per layer)`` after each snapshot
            is written (the pipeline estimates MI while training goes on).
    """

    def __init__(self, split: DataSplit, split_name: str, epochs_to_record: Iterable[int], path: Path,
                 on_snapshot: Callable[[int, Sequence[str], Sequence[np.ndarray]], None] | None = None) -> None:
        super().__init__()
        self.on_snapshot = on_snapshot
        self.split = split
        self.split_name = split_name
        self.epochs_to_record = set(int(e) for e in epochs_to_record)
        self.path = Path(path)
        self._writer: ActivationWriter | None = None
        self._extractor: keras.Model | None = None
        self.layer_names: list[str] = []

    def on_train_begin(self, logs=None) -> None:
        layers = recorded_layers(self.model)
        self._extractor = keras.Model(self.model.inputs, [layer.output for layer in layers])
        self.layer_names = [layer.name for layer in layers]
        self._writer = ActivationWriter(
            self.path, self.layer_names, [recorded_width(layer) for layer in layers],
            self.split.y, self.split_name, expected_snapshots=len(self.epochs_to_record),
        )

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if epoch in self.epochs_to_record:
            activations = layer_activations(self._extractor, self.split.X)
            self._writer.append(epoch, activations)
            if self.on_snapshot is not None:
                self.on_snapshot(epoch, self.layer_names, activations)

    def on_train_end(self, logs=None) -> None:
        if self._writer is not None:
            self._writer.close()
