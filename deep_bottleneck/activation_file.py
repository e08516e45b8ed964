"""Activations on disk: one HDF5 file per run, one dense array per layer.

Layout of a file::

    /epochs            int64 [S]              epoch of each snapshot
    /labels            int32 [N]              class of each row the activations were taken on
    /layers/<name>     float32 [S, N, width]  activations of layer <name>, one row per snapshot
    attrs: split, layer_names

Each snapshot is flushed to disk as it is written, so a crash loses nothing recorded before it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import h5py
import numpy as np


class ActivationWriter:
    """Appends snapshots of all layers' activations to an HDF5 file.

    Args:
        path: File to create (its folder is created if missing).
        layer_names: Name of each recorded layer, input side first.
        widths: Number of units of each layer.
        labels: Class index of each row, [N].
        split: Which split the rows are (``training``, ``test`` or ``full_dataset``).
        expected_snapshots: Expected number of snapshots (sizes the file; it grows if needed).
    """

    def __init__(
        self, path: Path, layer_names: Sequence[str], widths: Sequence[int],
        labels: np.ndarray, split: str, expected_snapshots: int = 0,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = h5py.File(self.path, "w")
        self._file.attrs["split"] = split
        self._file.attrs["layer_names"] = list(layer_names)
        self._file.create_dataset("labels", data=np.asarray(labels, dtype=np.int32))
        self._epochs = self._file.create_dataset("epochs", shape=(0,), maxshape=(None,), dtype=np.int64)
        n_rows = len(labels)
        self._layers = [
            self._file.create_dataset(
                f"layers/{name}", shape=(0, n_rows, width), maxshape=(None, n_rows, width),
                dtype=np.float32, chunks=(1, n_rows, width),
            )
            for name, width in zip(layer_names, widths)
        ]
        self.n_snapshots = 0

    def append(self, epoch: int, activations: Sequence[np.ndarray]) -> None:
        """Write the activations of every layer at the end of ``epoch``."""
        index = self.n_snapshots
        self._epochs.resize((index + 1,))
        self._epochs[index] = epoch
        for dataset, values in zip(self._layers, activations):
            dataset.resize((index + 1, *dataset.shape[1:]))
            dataset[index] = np.asarray(values, dtype=np.float32)
        self.n_snapshots += 1
        self._file.flush()

    def close(self) -> None:
        if self._file.id.valid:
            self._file.close()

    def __enter__(self) -> "ActivationWriter":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ActivationFile:
    """Read access to a file written by ``ActivationWriter``; arrays are read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = h5py.File(self.path, "r")

    @property
    def split(self) -> str:
        return str(self._file.attrs["split"])

    @property
    def layer_names(self) -> list[str]:
        return [str(name) for name in self._file.attrs["layer_names"]]

    @property
    def epochs(self) -> np.ndarray:
        return self._file["epochs"][:]

    @property
    def labels(self) -> np.ndarray:
        return self._file["labels"][:]

    def layer(self, name: str) -> h5py.Dataset:
        """The [S, N, width] dataset of one layer (not yet read into memory)."""
        return self._file[f"layers/{name}"]

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
