"""Where training stands, on disk, so that a killed run can be resumed: one small file per network trained alone or
per group of networks trained together, overwritten (never accumulated) at each snapshot.

A checkpoint holds, per network, the state after its last completed epoch: the weights, the non-trainable state,
the optimizer's variables, the state of the random generator that shuffles the minibatches, the number of snapshots
its activation file held then, and the metrics of every epoch so far. Training resumed from it continues as if it
had never stopped (``training.train``'s ``start``).

Layout (NumPy's ``.npz``, no pickled objects): ``meta`` is a JSON text with, per network, ``run``, ``epoch``,
``shuffle_state``, ``n_snapshots``, ``finished``, ``stop_reasons``, ``metric_names``, ``callback_states`` and, for
each part (``trainable``, ``non_trainable``, ``optimizer``), the dtype and shape of each of its arrays, whose bytes
follow one another in the buffer ``<i>.<part>``;
``<i>.metric_name``, ``<i>.metric_step``, ``<i>.metric_value`` its metrics. A checkpoint is written to a temporary
file and renamed (``record_file``), so a kill leaves the previous one or the new one.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from deep_bottleneck.errors import DamagedFileError
from deep_bottleneck.record_file import replace_atomically

PARTS = ("trainable", "non_trainable", "optimizer")


@dataclass
class TrainingState:
    """One network after ``epoch`` (0-based, completed): its variables and the random state of its batch order.

    Attributes:
        epoch: The last completed epoch (-1 before the first).
        trainable: The model's trainable variables, in the order of ``model.trainable_variables``.
        non_trainable: Its non-trainable variables.
        optimizer: Its optimizer's variables (iteration count, moments).
        shuffle_state: ``numpy.random.Generator.bit_generator.state`` of the generator shuffling the minibatches.
        finished: Whether training ended at ``epoch`` (its last epoch, or a callback stopped it).
    """

    epoch: int
    trainable: list[np.ndarray]
    non_trainable: list[np.ndarray]
    optimizer: list[np.ndarray]
    shuffle_state: dict[str, Any]
    finished: bool = False


class MetricLog(Sequence):
    """``(name, value, epoch)`` entries of one network's metrics, in the order logged, also kept as columns that
    grow with each entry: a checkpoint written at every snapshot then stores them without converting every earlier
    entry again.

    Args:
        entries: The entries to start from.
    """

    def __init__(self, entries: Iterable[tuple[str, float, int]] = ()) -> None:
        self._entries: list[tuple[str, float, int]] = []
        self._positions: dict[str, int] = {}
        self._name = np.empty(0, dtype=np.int32)
        self._value = np.empty(0, dtype=np.float64)
        self._step = np.empty(0, dtype=np.int64)
        for entry in entries:
            self.append(*entry)

    def append(self, name: str, value: float, step: int) -> None:
        """Add one entry."""
        count = len(self._entries)
        if count == len(self._value):
            room = max(1024, 2 * count)
            self._name, self._value, self._step = (np.resize(column, room)
                                                   for column in (self._name, self._value, self._step))
        self._name[count] = self._positions.setdefault(name, len(self._positions))
        self._value[count] = value
        self._step[count] = step
        self._entries.append((name, value, step))

    def columns(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """The names in order of first appearance; each entry's position among them, value and step."""
        count = len(self._entries)
        return list(self._positions), self._name[:count], self._value[:count], self._step[:count]

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index):
        return self._entries[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


@dataclass
class NetworkCheckpoint:
    """What a resumed repetition needs: its training state and what it had recorded by then.

    Attributes:
        run: Index of the repetition.
        state: Its training state.
        n_snapshots: Snapshots in its activation file at ``state.epoch`` (later ones are dropped on resume).
        metrics: ``(name, value, epoch)`` of every epoch up to ``state.epoch`` (a ``MetricLog`` is written
            fastest).
        stop_reasons: Why training stopped early, when it did.
        callback_states: The state of each callback that keeps one (``resume_state()``), by its position among
            the repetition's callbacks; JSON values.
    """

    run: int
    state: TrainingState
    n_snapshots: int
    metrics: Sequence[tuple[str, float, int]] = field(default_factory=list)
    stop_reasons: list[str] = field(default_factory=list)
    callback_states: dict[str, Any] = field(default_factory=dict)


def write_checkpoint(path: str | Path, networks: Sequence[NetworkCheckpoint]) -> None:
    """Write the checkpoint of ``networks`` to ``path``, replacing the previous one whole.

    Raises:
        RecordWriteError: The write failed (disk full, read-only); the previous checkpoint is kept.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    meta = []
    for index, network in enumerate(networks):
        state = network.state
        metrics = network.metrics if isinstance(network.metrics, MetricLog) else MetricLog(network.metrics)
        names, metric_name, metric_value, metric_step = metrics.columns()
        meta.append({
            "run": int(network.run), "epoch": int(state.epoch), "shuffle_state": state.shuffle_state,
            "n_snapshots": int(network.n_snapshots), "finished": bool(state.finished),
            "stop_reasons": list(network.stop_reasons), "metric_names": names,
            "callback_states": network.callback_states,
            **{part: [[np.asarray(value).dtype.str, list(np.shape(value))] for value in getattr(state, part)]
               for part in PARTS},
        })
        for part in PARTS:
            # One buffer per part: a file of few entries is written several times faster than one of many.
            values = [np.ascontiguousarray(value) for value in getattr(state, part)]
            arrays[f"{index}.{part}"] = np.frombuffer(b"".join(value.tobytes() for value in values), dtype=np.uint8)
        arrays[f"{index}.metric_name"] = metric_name
        arrays[f"{index}.metric_value"] = metric_value
        arrays[f"{index}.metric_step"] = metric_step
    arrays["meta"] = np.array(json.dumps(meta))
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as file:
            np.savez(file, **arrays)

    replace_atomically(path, write)


def _unpacked(buffer: np.ndarray, layout: list) -> list[np.ndarray]:
    values, start = [], 0
    for dtype, shape in layout:
        size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        values.append(np.frombuffer(buffer[start:start + size].tobytes(), dtype=dtype).reshape(shape))
        start += size
    if start != len(buffer):
        raise ValueError("the stored arrays do not fill their buffer")
    return values


def read_checkpoint(path: str | Path) -> list[NetworkCheckpoint]:
    """The networks of a checkpoint written by ``write_checkpoint``.

    Raises:
        DamagedFileError: The file cannot be read as a checkpoint.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            networks = []
            for index, entry in enumerate(meta):
                parts = {part: _unpacked(stored[f"{index}.{part}"], entry[part]) for part in PARTS}
                names = entry["metric_names"]
                metrics = [(names[int(n)], float(v), int(s)) for n, v, s in zip(
                    stored[f"{index}.metric_name"], stored[f"{index}.metric_value"], stored[f"{index}.metric_step"])]
                state = TrainingState(int(entry["epoch"]), parts["trainable"], parts["non_trainable"],
                                      parts["optimizer"], entry["shuffle_state"], bool(entry["finished"]))
                networks.append(NetworkCheckpoint(int(entry["run"]), state, int(entry["n_snapshots"]), metrics,
                                                  list(entry["stop_reasons"]), entry["callback_states"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise DamagedFileError(f"Checkpoint {path} is damaged and cannot be read ({exc}).") from None
    return networks
