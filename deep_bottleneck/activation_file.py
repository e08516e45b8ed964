"""Activations on disk: one HDF5 file per run, one dense array per layer.

Layout of a file::

    /epochs            int64 [S]              epoch of each snapshot
    /labels            int32 [N]              class of each row the activations were taken on
    /layers/<name>     float32 [S, N, width]  activations of layer <name>, one row per snapshot
    attrs: split, layer_names, distinct_inputs (how many of the N input rows differ; absent in older files)

Each snapshot is flushed to disk as it is written, so a crash loses nothing recorded before it. A snapshot the
disk has no room for is not started (``RecordWriteError``), so the snapshots before it stay readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import h5py
import numpy as np

from deep_bottleneck.errors import DamagedFileError
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
    """

    def __init__(
        self, path: Path, layer_names: Sequence[str], widths: Sequence[int],
        labels: np.ndarray, split: str, expected_snapshots: int = 0, distinct_inputs: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.layer_names = list(layer_names)
        n_rows = len(labels)
        with reported_write_failures(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with h5py.File(self.path, "w") as file:
                file.attrs["split"] = split
                file.attrs["layer_names"] = self.layer_names
                if distinct_inputs is not None:
                    file.attrs["distinct_inputs"] = int(distinct_inputs)
                file.create_dataset("labels", data=np.asarray(labels, dtype=np.int32))
                file.create_dataset("epochs", shape=(0,), maxshape=(None,), dtype=np.int64)
                for name, width in zip(self.layer_names, widths):
                    file.create_dataset(f"layers/{name}", shape=(0, n_rows, width), maxshape=(None, n_rows, width),
                                        dtype=np.float32, chunks=(1, n_rows, width))
        self.n_snapshots = 0

    def append(self, epoch: int, activations: Sequence[np.ndarray]) -> None:
        """Write the activations of every layer at the end of ``epoch``.

        Raises:
            RecordWriteError: The disk has no room for the snapshot (nothing of it is written) or the write failed.
        """
        arrays = [np.asarray(values, dtype=np.float32) for values in activations]
        check_free_space(self.path, sum(array.nbytes for array in arrays))
        index = self.n_snapshots
        try:
            file = h5py.File(self.path, "r+")
        except (OSError, RuntimeError) as exc:
            raise write_failure(self.path, exc) from None
        try:
            datasets = [file["epochs"], *(file[f"layers/{name}"] for name in self.layer_names)]
            for dataset in datasets:
                dataset.resize((index + 1, *dataset.shape[1:]))
            datasets[0][index] = epoch
            for dataset, values in zip(datasets[1:], arrays):
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
