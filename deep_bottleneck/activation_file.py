"""Activations on disk: one HDF5 file per run, one dense array per layer, and the weights they came from.

Layout of a file::

    /epochs                   int64 [S]              epoch of each snapshot
    /labels                   int32 [N]              class of each row the activations were taken on
    /layers/<name>            float32 [S, N, width]  activations of layer <name>, one row per snapshot
    /weights/<name>/<weight>  float32 [S, ...]       each weight of layer <name> (kernel, bias, ...) at each snapshot
    /inputs                   float32 [N, ...]       the rows themselves (only in files without /layers)
    attrs: split, layer_names, distinct_inputs (how many of the N input rows differ; absent in older files),
           layer_widths, activations_stored, model (the model's Keras JSON, where it has one)

A file written with ``store_activations=False`` holds no ``/layers``: ``ActivationFile.layer`` then recomputes a
layer's activations from the stored weights, model and rows on demand, so readers see the same arrays either way.
Each snapshot is flushed to disk as it is written, so a crash loses nothing recorded before it. A snapshot the
disk has no room for is not started (``RecordWriteError``), so the snapshots before it stay readable.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

import h5py
import numpy as np

from deep_bottleneck.errors import DamagedFileError, DeepBottleneckError
from deep_bottleneck.layer_outputs import layer_activations
from deep_bottleneck.record_file import check_free_space, reported_write_failures, write_failure


class ActivationWriter:
    """Appends snapshots of all layers' activations to an HDF5 file.

    The file is open only while a snapshot is written, so a process killed between snapshots leaves a complete
    file (HDF5 keeps no file consistent that is open when its process dies).

    Args:
        path: File to create (its folder is created if missing).
        layer_names: Name of each recorded layer, input side first.
        widths: Number of units of each layer.
        labels: Class index of each row, [N].
        split: Which split the rows are (``training``, ``test`` or ``full_dataset``).
        expected_snapshots: Expected number of snapshots (sizes the file; it grows if needed).
        distinct_inputs: How many of the rows' inputs differ from each other; None when unknown.
        weight_shapes: Per layer, ``(name, shape)`` of each of its weights; they are stored at every snapshot.
        store_activations: Whether the activations are stored; without them ``model_json`` and ``inputs`` are
            needed, to recompute the activations.
        model_json: The model's Keras JSON (``model.to_json()``).
        inputs: The rows the activations are taken on.
        keep_snapshots: Continue the existing file at ``path`` (written with the same arguments) after its first
            ``keep_snapshots`` snapshots, dropping any later ones (a resumed run), instead of creating it.

    Raises:
        DamagedFileError: The file to continue cannot be read, is of other layers, or has fewer snapshots.
    """

    def __init__(
        self, path: Path, layer_names: Sequence[str], widths: Sequence[int],
        labels: np.ndarray, split: str, expected_snapshots: int = 0, distinct_inputs: int | None = None,
        weight_shapes: Sequence[Sequence[tuple[str, tuple[int, ...]]]] = (), store_activations: bool = True,
        model_json: str | None = None, inputs: np.ndarray | None = None, keep_snapshots: int | None = None,
    ) -> None:
        if not store_activations and (model_json is None or inputs is None or len(weight_shapes) != len(widths)):
            raise ValueError("a file without activations needs the model's JSON, the inputs and every layer's weights")
        self.path = Path(path)
        self.layer_names = list(layer_names)
        self.store_activations = store_activations
        self._weight_names = [[f"weights/{layer}/{name}" for name, _ in shapes]
                              for layer, shapes in zip(self.layer_names, weight_shapes)]
        if keep_snapshots is not None:
            self._continue(keep_snapshots)
            return
        n_rows = len(labels)
        chunk_snapshots = max(1, min(64, expected_snapshots))
        with reported_write_failures(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with h5py.File(self.path, "w") as file:
                file.attrs["split"] = split
                file.attrs["layer_names"] = self.layer_names
                file.attrs["layer_widths"] = [int(width) for width in widths]
                file.attrs["activations_stored"] = bool(store_activations)
                if model_json is not None:
                    file.attrs["model"] = model_json
                if distinct_inputs is not None:
                    file.attrs["distinct_inputs"] = int(distinct_inputs)
                file.create_dataset("labels", data=np.asarray(labels, dtype=np.int32))
                file.create_dataset("epochs", shape=(0,), maxshape=(None,), dtype=np.int64)
                if not store_activations:
                    file.create_dataset("inputs", data=np.asarray(inputs, dtype=np.float32), compression="gzip")
                for name, width in zip(self.layer_names, widths):
                    if store_activations:
                        file.create_dataset(f"layers/{name}", shape=(0, n_rows, width),
                                            maxshape=(None, n_rows, width), dtype=np.float32,
                                            chunks=(1, n_rows, width))
                for names, (_, shapes) in zip(self._weight_names, zip(self.layer_names, weight_shapes)):
                    for path, (_, shape) in zip(names, shapes):
                        file.create_dataset(path, shape=(0, *shape), maxshape=(None, *shape), dtype=np.float32,
                                            chunks=(chunk_snapshots, *shape))
        self.n_snapshots = 0

    def _paths(self) -> list[str]:
        """Every dataset that grows by one entry per snapshot, ``epochs`` first."""
        layer_paths = [f"layers/{name}" for name in self.layer_names] if self.store_activations else []
        return ["epochs", *layer_paths, *(path for names in self._weight_names for path in names)]

    def _continue(self, keep_snapshots: int) -> None:
        damaged = f"Activation file {self.path} cannot be continued after {keep_snapshots} snapshot(s)"
        try:
            with h5py.File(self.path, "r+") as file:
                stored_names = [str(name) for name in file.attrs["layer_names"]]
                if stored_names != self.layer_names:
                    raise DamagedFileError(f"{damaged}: it holds layers {stored_names}, not {self.layer_names}.")
                datasets = [file[path] for path in self._paths()]
                if any(dataset.shape[0] < keep_snapshots for dataset in datasets):
                    raise DamagedFileError(f"{damaged}: it holds only {len(file['epochs'])}.")
                for dataset in datasets:
                    dataset.resize((keep_snapshots, *dataset.shape[1:]))
        except (OSError, KeyError, RuntimeError) as exc:
            raise DamagedFileError(f"{damaged}: it is damaged ({str(exc).splitlines()[0]}).") from None
        self.n_snapshots = keep_snapshots

    def append(self, epoch: int, activations: Sequence[np.ndarray],
               weights: Sequence[Sequence[np.ndarray]] = ()) -> None:
        """Write the activations and weights of every layer at the end of ``epoch`` (the weights in the order of
        ``weight_shapes``).

        Raises:
            RecordWriteError: The disk has no room for the snapshot (nothing of it is written) or the write failed.
        """
        if len(weights) != len(self._weight_names):
            raise ValueError(f"weights of {len(weights)} layers given, {len(self._weight_names)} expected")
        arrays = [np.asarray(values, dtype=np.float32) for values in activations] if self.store_activations else []
        weight_arrays = [np.asarray(value, dtype=np.float32) for values in weights for value in values]
        check_free_space(self.path, sum(array.nbytes for array in arrays + weight_arrays))
        index = self.n_snapshots
        try:
            file = h5py.File(self.path, "r+")
        except (OSError, RuntimeError) as exc:
            raise write_failure(self.path, exc) from None
        datasets: list = []
        try:
            datasets = [file[path] for path in self._paths()]
            for dataset in datasets:
                dataset.resize((index + 1, *dataset.shape[1:]))
            datasets[0][index] = epoch
            for dataset, values in zip(datasets[1:], arrays + weight_arrays):
                dataset[index] = values
            file.close()
        except (OSError, RuntimeError) as exc:
            _abandon(file, datasets, index)
            raise write_failure(self.path, exc) from None
        self.n_snapshots += 1

    def close(self) -> None:
        """Nothing to do: the file is closed after each snapshot (kept for ``with`` and callers that close)."""

    def __enter__(self) -> "ActivationWriter":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _abandon(file: h5py.File, datasets: list, n_snapshots: int) -> None:
    """After a failed write: drop the partial snapshot and let go of the file, ignoring further errors (HDF5
    otherwise retries the failed write, and crashes, when the process ends)."""
    for dataset in datasets:
        try:
            dataset.resize((n_snapshots, *dataset.shape[1:]))
        except (OSError, RuntimeError):
            pass
    try:
        file.close()
    except (OSError, RuntimeError):
        pass


class ActivationFile:
    """Read access to a file written by ``ActivationWriter``; arrays are read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"No activation file {self.path}.")
        try:
            self._file = h5py.File(self.path, "r")
            self._file["epochs"], self._file["labels"], self._file.attrs["layer_names"]
        except (OSError, KeyError, RuntimeError) as exc:
            raise DamagedFileError(f"Activation file {self.path} is damaged and cannot be read "
                                   f"({str(exc).splitlines()[0]}).") from None
        self._recomputer: _Recomputer | None = None

    @property
    def split(self) -> str:
        return str(self._file.attrs["split"])

    @property
    def layer_names(self) -> list[str]:
        return [str(name) for name in self._file.attrs["layer_names"]]

    @property
    def distinct_inputs(self) -> int | None:
        """How many of the rows' inputs differ from each other; None when the file does not say."""
        value = self._file.attrs.get("distinct_inputs")
        return None if value is None else int(value)

    @property
    def epochs(self) -> np.ndarray:
        return self._file["epochs"][:]

    @property
    def labels(self) -> np.ndarray:
        return self._file["labels"][:]

    @property
    def activations_stored(self) -> bool:
        """Whether the file holds the activations (else ``layer`` recomputes them from the weights)."""
        return bool(self._file.attrs.get("activations_stored", True))

    def layer(self, name: str) -> h5py.Dataset | RecomputedLayer:
        """The [S, N, width] activations of one layer, not yet read into memory: the stored dataset, or, in a file
        without activations, an array-like that recomputes the snapshots it is indexed with."""
        if self.activations_stored:
            return self._file[f"layers/{name}"]
        if name not in self.layer_names:
            raise KeyError(f"no layer {name!r} in {self.path}; its layers: {self.layer_names}")
        width = int(self._file.attrs["layer_widths"][self.layer_names.index(name)])
        return RecomputedLayer(self, name, (len(self._file["epochs"]), len(self._file["labels"]), width))

    def weights(self, name: str) -> dict[str, h5py.Dataset]:
        """The stored weights of layer ``name`` by weight name (``kernel``, ``bias``, ...), each [S, ...]; empty for
        files written before weights were stored."""
        group = self._file.get(f"weights/{name}")
        return {} if group is None else {weight: group[weight] for weight in group}

    def recompute(self, snapshots: np.ndarray) -> list[np.ndarray]:
        """Every layer's activations [s, N, width] at the snapshot positions ``snapshots``, computed from the stored
        weights, model and rows (the same numbers the recorder computed while training, up to float rounding).

        Raises:
            DeepBottleneckError: The file holds no model or rows to recompute from.
        """
        if self._recomputer is None:
            if "model" not in self._file.attrs or "inputs" not in self._file or "weights" not in self._file:
                raise DeepBottleneckError(f"{self.path} stores no model, rows and weights to recompute the "
                                          f"activations from.")
            self._recomputer = _Recomputer(self)
        return self._recomputer.activations(np.asarray(snapshots, dtype=np.int64))

    def layers(self) -> Iterator[tuple[str, h5py.Dataset]]:
        for name in self.layer_names:
            yield name, self.layer(name)

    def close(self) -> None:
        if self._file.id.valid:
            self._file.close()

    def __enter__(self) -> "ActivationFile":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RecomputedLayer:
    """One layer of a file without activations, as an array [S, N, width] whose snapshots are recomputed when it is
    indexed (``layer[3]``, ``layer[2:5]``, ``layer[[0, 4]]``, ``layer[:, rows]``, ``np.asarray(layer)``)."""

    dtype = np.dtype(np.float32)

    def __init__(self, store: ActivationFile, name: str, shape: tuple[int, int, int]) -> None:
        self._store = store
        self._index = store.layer_names.index(name)
        self.shape = shape

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if first is Ellipsis:
            first, rest = slice(None), (Ellipsis, *rest)
        chosen = np.arange(self.shape[0])[first]
        values = self._store.recompute(np.atleast_1d(chosen))[self._index]
        if np.ndim(chosen) == 0:
            return values[0][rest]
        return values[(slice(None), *rest)]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self[:]
        return values if dtype is None else values.astype(dtype)


class _Recomputer:
    """The model of a file rebuilt from its JSON, set to the stored weights of a snapshot to compute activations;
    the last request's result is kept, since readers ask for the same snapshots layer after layer. One request at a
    time: readers in several threads (``run.estimation.estimate_activation_file``) share the one model."""

    def __init__(self, store: ActivationFile) -> None:
        import keras

        from deep_bottleneck.model_json import model_from_json

        self._file = store._file
        self.layer_names = store.layer_names
        model = model_from_json(str(self._file.attrs["model"]))
        self._layers = [model.get_layer(name) for name in self.layer_names]
        self._extractor = keras.Model(model.inputs, [layer.output for layer in self._layers])
        self._inputs = self._file["inputs"][:]
        self._last: tuple[tuple[int, ...], list[np.ndarray]] | None = None
        self._lock = threading.Lock()

    def activations(self, snapshots: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            return self._activations(snapshots)

    def _activations(self, snapshots: np.ndarray) -> list[np.ndarray]:
        key = tuple(int(s) for s in snapshots)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        per_snapshot = []
        for snapshot in key:
            for layer, name in zip(self._layers, self.layer_names):
                layer.set_weights([self._file[f"weights/{name}/{weight.name}"][snapshot] for weight in layer.weights])
            per_snapshot.append(layer_activations(self._extractor, self._inputs))
        n_rows = len(self._inputs)
        result = [np.stack([values[k] for values in per_snapshot]) if per_snapshot
                  else np.zeros((0, n_rows, int(width)), dtype=np.float32)
                  for k, width in enumerate(self._file.attrs["layer_widths"])]
        self._last = (key, result)
        return result
