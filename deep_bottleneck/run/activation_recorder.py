"""Records the activations and weights of every layer with weights, readout included, at the snapshot epochs.

Dense layers give their activations; convolutional layers their output flattened to one row per input
(height x width x channels); batch normalisation its output after normalisation. With ``store_activations=False``
only the weights are written (with the model and the rows, so ``ActivationFile`` recomputes the activations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

import keras
import numpy as np

from deep_bottleneck.activation_file import ActivationFile, ActivationWriter
from deep_bottleneck.data_split import DataSplit, distinct_rows
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.model_json import model_from_json, model_to_json
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
        store_activations: Whether the activations are written; the weights are written either way.
        keep_snapshots: For a resumed repetition: continue its file after this many snapshots (dropping later ones)
            and hand the kept ones to ``on_snapshot`` first, as if they had just been taken.
    """

    def __init__(self, split: DataSplit, split_name: str, epochs_to_record: Iterable[int], path: Path,
                 on_snapshot: Callable[[int, Sequence[str], Sequence[np.ndarray]], None] | None = None,
                 store_activations: bool = True, keep_snapshots: int | None = None) -> None:
        super().__init__()
        self.keep_snapshots = keep_snapshots
        self.store_activations = store_activations
        self.on_snapshot = on_snapshot
        self.split = split
        self.split_name = split_name
        self.epochs_to_record = {int(e) for e in epochs_to_record}
        self.path = Path(path)
        self._writer: ActivationWriter | None = None
        self._extractor: keras.Model | None = None
        self.layer_names: list[str] = []
        self._layers: list[keras.layers.Layer] = []
        #: The epoch and activations of the last snapshot taken, or None before the first.
        self.last_snapshot: tuple[int, Sequence[np.ndarray]] | None = None

    def on_train_begin(self, logs=None) -> None:
        self._layers = recorded_layers(self.model)
        self._extractor = keras.Model(self.model.inputs, [layer.output for layer in self._layers])
        self.layer_names = [layer.name for layer in self._layers]
        self._writer = ActivationWriter(
            self.path, self.layer_names, [recorded_width(layer) for layer in self._layers],
            self.split.y, self.split_name, expected_snapshots=len(self.epochs_to_record),
            distinct_inputs=distinct_rows(self.split.X),
            weight_shapes=[[(weight.name, tuple(weight.shape)) for weight in layer.weights] for layer in self._layers],
            store_activations=self.store_activations, model_json=self._model_json(),
            inputs=None if self.store_activations else self.split.X, keep_snapshots=self.keep_snapshots,
        )
        if self.keep_snapshots:
            self._hand_over_kept_snapshots()

    @property
    def n_snapshots(self) -> int:
        """Snapshots in the file so far."""
        return self._writer.n_snapshots if self._writer is not None else 0

    def _hand_over_kept_snapshots(self) -> None:
        with ActivationFile(self.path) as stored:
            epochs = stored.epochs
            layers = [stored.layer(name) for name in self.layer_names]
            for index, epoch in enumerate(epochs):
                activations = [np.asarray(layer[index], dtype=np.float32) for layer in layers]
                self.last_snapshot = (int(epoch), activations)
                if self.on_snapshot is not None:
                    self.on_snapshot(int(epoch), self.layer_names, activations)

    def _model_json(self) -> str | None:
        """The model's Keras JSON; without activations, also checked to rebuild the model (else ``ConfigError``)."""
        try:
            text = model_to_json(self.model)
            if not self.store_activations:
                model_from_json(text)
            return text
        except Exception as exc:
            if self.store_activations:
                return None
            raise ConfigError(f"store_activations=false needs a model Keras can rebuild from its JSON, to recompute "
                              f"the activations from the stored weights; this model cannot be ({exc}). Set "
                              f"store_activations=true.") from exc

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if epoch in self.epochs_to_record:
            self.record(epoch, layer_activations(self._extractor, self.split.X))

    def record(self, epoch: int, activations: Sequence[np.ndarray],
               weights: Sequence[Sequence[np.ndarray]] | None = None) -> None:
        """Write the snapshot of ``epoch``: the given activations [N, width] of every recorded layer and its
        weights (per layer, in the order of ``layer.weights``; the model's current weights when None); then hand the
        activations to ``on_snapshot``. ``on_epoch_end`` calls it at the snapshot epochs; a trainer that computed the
        activations itself calls it instead."""
        if weights is None:
            weights = [[np.asarray(weight.value, dtype=np.float32) for weight in layer.weights]
                       for layer in self._layers]
        self._writer.append(epoch, activations, weights)
        self.last_snapshot = (epoch, activations)
        if self.on_snapshot is not None:
            self.on_snapshot(epoch, self.layer_names, activations)

    def on_train_end(self, logs=None) -> None:
        if self._writer is not None:
            self._writer.close()
