"""Estimate I(X;T) and I(T;Y) for every layer and snapshot of a run, with one or several estimators.

All configured estimators see each layer's activations once; estimators that declare the same shared pass
(``mi_estimator.base.SharedPass``: the upper and lower KDE bounds of one noise variance) are computed by one call.
Snapshots are estimated from an activation file (``estimate_activation_file``) or while training goes on
(``BackgroundEstimation``); both give the same rows.

Beyond ``MEASURE_COLUMNS`` the rows carry each estimator's uncertainty where it states one: the columns an
estimator's ``error_columns`` names, from its ``estimate_with_errors`` (binning's Miller-Madow values, Goldfeld's and
KSG's standard errors); ``MI_XM_kde_gap`` and ``MI_YM_kde_gap``, upper minus lower bound, on the rows of both KDE
bounds when both are configured for one noise variance; and ``exact`` (True on the rows of an estimator marked
``exact``, such as ``mi_estimator.quantised``) when such an estimator is configured. Other rows have NaN there.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from deep_bottleneck import plugins
from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.config import estimator_labels
from deep_bottleneck.cores import machine_cores
from deep_bottleneck.errors import DamagedFileError, EstimationError
from deep_bottleneck.mi_estimator.base import MutualInformationEstimator, SharedPass
from deep_bottleneck.progress import Progress, Report
from deep_bottleneck.stop_request import raise_if_requested

MEASURE_COLUMNS = ["epoch", "layer", "run", "MI_XM", "MI_YM", "estimator"]
#: Members of a KDE shared pass whose difference is the bounds' gap.
KDE_GAP_MEMBERS = ("upper", "lower")
DEFAULT_CHUNK_BYTES = 256 * 2**20


@dataclass(frozen=True)
class LabelledEstimator:
    """An estimator and the label of its rows in the measures (``binning``, ``upper``, ...)."""

    label: str
    estimator: MutualInformationEstimator


def load_estimators(entries: Sequence[tuple[str, dict]]) -> list[LabelledEstimator]:
    """Build the estimator plug-ins of a validated ``estimators`` setting."""
    return [LabelledEstimator(label, plugins.load_plugin("estimator", name, **arguments))
            for label, (name, arguments) in zip(estimator_labels(entries), entries)]


def check_finite(activations: np.ndarray, epochs: np.ndarray, layer: str, run: int) -> None:
    """Raise ``EstimationError`` naming run, epoch and layer if any activation is NaN or infinite."""
    finite = np.isfinite(activations).reshape(len(activations), -1).all(axis=1)
    if not finite.all():
        bad_epochs = epochs[~finite]
        raise EstimationError(
            f"Run {run}, layer {layer!r}: activations are NaN or infinite at epoch {int(bad_epochs[0])}"
            f"{f' (and {len(bad_epochs) - 1} later snapshots)' if len(bad_epochs) > 1 else ''}; "
            f"training diverged, so mutual information cannot be estimated. "
            f"Try a smaller learning_rate or max_norm_weights."
        )


def selected_snapshots(estimator: Any, epochs: np.ndarray) -> np.ndarray:
    """Which snapshots (of ``epochs``) ``estimator`` estimates: those its optional ``estimates_epoch(epoch)``
    accepts, else all. Costly estimators use it to skip snapshots; the skipped ones get no rows."""
    accepts = getattr(estimator, "estimates_epoch", None)
    if accepts is None:
        return np.ones(len(epochs), dtype=bool)
    return np.array([bool(accepts(int(epoch))) for epoch in epochs], dtype=bool)


def _as_labelled(estimators: Any) -> list[LabelledEstimator]:
    if isinstance(estimators, LabelledEstimator):
        return [estimators]
    if isinstance(estimators, (list, tuple)):
        return [e if isinstance(e, LabelledEstimator) else LabelledEstimator("", e) for e in estimators]
    return [LabelledEstimator("", estimators)]


class EstimatorSet:
    """Every configured estimator, applied to the snapshots of one layer at a time.

    Args:
        estimators: Labelled estimators (a bare estimator is accepted and labelled ``""``).
    """

    def __init__(self, estimators: Any) -> None:
        self.estimators = _as_labelled(estimators)
        #: Estimators computed together: the shared pass's key -> (the pass, [(member, label)]).
        self._shared: dict[Any, tuple[SharedPass, list[tuple[str, str]]]] = {}
        self._alone = []
        for entry in self.estimators:
            shared = getattr(entry.estimator, "shared_pass", None)
            if shared is None:
                self._alone.append(entry)
            else:
                self._shared.setdefault(shared.key, (shared, []))[1].append((shared.member, entry.label))

    def estimate(self, activations: np.ndarray, labels: np.ndarray, epochs: np.ndarray, layer_index: int,
                 layer_name: str, run: int) -> pd.DataFrame:
        """Rows of ``MEASURE_COLUMNS`` for one layer's snapshots ``activations`` [S, N, d] at ``epochs`` [S].

        Raises:
            EstimationError: An activation is NaN or infinite.
        """
        return measures_frame([self.estimate_columns(activations, labels, epochs, layer_index, layer_name, run)])

    def estimate_columns(self, activations: np.ndarray, labels: np.ndarray, epochs: np.ndarray, layer_index: int,
                         layer_name: str, run: int) -> dict[str, dict[str, np.ndarray]]:
        """What ``estimate`` returns, as columns: estimator label -> column name -> values (``measures_frame``
        makes the frame). Cheaper than a frame where one snapshot at a time is estimated.

        Raises:
            EstimationError: An activation is NaN or infinite.
        """
        check_finite(activations, epochs, layer_name, run)
        epochs = np.asarray(epochs)
        results: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        extras: dict[str, dict[str, np.ndarray]] = {}
        for entry in self._alone:
            chosen = selected_snapshots(entry.estimator, epochs)
            error_columns = tuple(getattr(entry.estimator, "error_columns", ()))
            if error_columns:
                estimates = entry.estimator.estimate_with_errors(activations[chosen], labels)
                results[entry.label] = (epochs[chosen], estimates["MI_XM"], estimates["MI_YM"])
                extras[entry.label] = {column: estimates[column] for column in error_columns}
            else:
                results[entry.label] = (epochs[chosen],
                                        *entry.estimator.estimate_snapshots(activations[chosen], labels))
        for shared, members in self._shared.values():
            together = shared.compute(activations, labels)
            for member, label in members:
                results[label] = (epochs, *together[member])
            if all(member in together for member in KDE_GAP_MEMBERS) and \
                    {member for member, _ in members} >= set(KDE_GAP_MEMBERS):
                (upper_xt, upper_ty), (lower_xt, lower_ty) = (together[m] for m in KDE_GAP_MEMBERS)
                gap = {"MI_XM_kde_gap": np.asarray(upper_xt) - np.asarray(lower_xt),
                       "MI_YM_kde_gap": np.asarray(upper_ty) - np.asarray(lower_ty)}
                for _, label in members:
                    extras[label] = gap
        any_exact = any(getattr(e.estimator, "exact", False) for e in self.estimators)
        columns = {}
        for e in self.estimators:
            estimated_epochs = np.asarray(results[e.label][0])
            rows = len(estimated_epochs)
            columns[e.label] = {
                "epoch": estimated_epochs, "layer": np.full(rows, layer_index, dtype=np.int64),
                "run": np.full(rows, run, dtype=np.int64),
                "MI_XM": np.asarray(results[e.label][1], dtype=np.float64).reshape(rows),
                "MI_YM": np.asarray(results[e.label][2], dtype=np.float64).reshape(rows),
                "estimator": np.full(rows, e.label, dtype=object),
                **{column: np.asarray(values, dtype=np.float64).reshape(rows)
                   for column, values in extras.get(e.label, {}).items()},
            }
            if any_exact:
                columns[e.label]["exact"] = np.full(rows, bool(getattr(e.estimator, "exact", False)))
        return columns


def measures_frame(blocks: Sequence[dict[str, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """One frame of the rows of ``EstimatorSet.estimate_columns`` results: each estimator's rows in the order of
    the blocks, the estimators in the order of the first block."""
    if not blocks:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    frames = []
    for label, first in blocks[0].items():
        frames.append(pd.DataFrame({column: np.concatenate([block[label][column] for block in blocks])
                                    for column in first}))
    return pd.concat(frames, ignore_index=True)


def sorted_measures(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The frames as one, in a fixed order: estimator (as configured), epoch, layer; ``MEASURE_COLUMNS`` first,
    then the uncertainty columns in the order they first appear."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    measures = pd.concat(frames, ignore_index=True)
    extra_columns = [column for column in measures.columns if column not in MEASURE_COLUMNS]
    measures = measures[MEASURE_COLUMNS + extra_columns]
    order = {label: i for i, label in enumerate(dict.fromkeys(measures["estimator"]))}
    measures["_order"] = measures["estimator"].map(order)
    measures = measures.sort_values(["run", "_order", "epoch", "layer"], kind="stable", ignore_index=True)
    return measures.drop(columns="_order")


def estimate_activation_file(
    estimators: Any, path: Path, run: int, chunk_bytes: int = DEFAULT_CHUNK_BYTES, workers: int | None = None,
    report: Report | None = None,
) -> pd.DataFrame:
    """Estimate MI for every (snapshot, layer) stored in one activation file.

    Snapshots are read in chunks of at most ``chunk_bytes``; ``workers`` chunks (default: one per
    core) are estimated at a time, so memory stays bounded. Results do not depend on ``workers``.

    Args:
        estimators: Labelled estimators, or one estimator plug-in.
        path: HDF5 file written by ``ActivationRecorder``.
        run: Index of the repetition, stored in the ``run`` column.
        chunk_bytes: Upper bound of one chunk of activations in memory.
        workers: Chunks estimated in parallel threads.
        report: Receives progress lines (``progress.Progress``), or None.

    Returns:
        A frame with columns ``MEASURE_COLUMNS`` (MI in bits), one row per (estimator, epoch, layer).
    """
    estimator_set = EstimatorSet(estimators)
    with ActivationFile(path) as store:
        epochs, labels = store.epochs, store.labels
        tasks = []
        for layer_index, (layer_name, dataset) in enumerate(store.layers()):
            n_snapshots, n_rows, width = dataset.shape
            per_chunk = max(1, chunk_bytes // max(1, n_rows * width * 8))
            tasks += [(layer_index, layer_name, dataset, slice(start, start + per_chunk))
                      for start in range(0, n_snapshots, per_chunk)]

        def estimate_chunk(task) -> pd.DataFrame:
            layer_index, layer_name, dataset, snapshots = task
            try:
                activations = dataset[snapshots]
            except (OSError, RuntimeError, ValueError) as exc:
                raise DamagedFileError(f"Activation file {path} is damaged: layer {layer_name!r} cannot be read "
                                       f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}).") from None
            finite = np.isfinite(activations).reshape(len(activations), -1).all(axis=1)
            if not finite.all():
                raise DamagedFileError(
                    f"Activation file {path} holds NaN or infinite values (run {run}, layer {layer_name!r}, epoch "
                    f"{int(epochs[snapshots][~finite][0])}): the file is damaged, unless its run failed there because "
                    f"training diverged (then the run says so).")
            return estimator_set.estimate(activations, labels, epochs[snapshots], layer_index, layer_name, run)

        frames = []
        with Progress(len(epochs) * len(store.layer_names), f"{Path(path).name}: MI estimated for (snapshot, layer)",
                      report=report) as progress, \
                ThreadPoolExecutor(max_workers=workers or machine_cores()) as pool:
            for task, frame in zip(tasks, pool.map(estimate_chunk, tasks)):
                raise_if_requested()
                frames.append(frame)
                snapshots = task[3]
                progress.update(len(range(*snapshots.indices(len(epochs)))))
    return sorted_measures(frames)


class BackgroundEstimation:
    """Estimates each snapshot in a thread as soon as training records it, so estimation overlaps training.

    At most ``max_pending_bytes`` of snapshots wait in memory (always at least one snapshot); recording
    waits when estimation falls that far behind. The rows equal those ``estimate_activation_file`` gives for the
    same activations.

    Args:
        estimators: Labelled estimators.
        labels: Class of each row the activations are taken on.
        run: Index of the repetition.
        max_pending_bytes: Activations held in memory at most.
        expected_snapshots: How many snapshots training will record (for ``status``), or None.
    """

    def __init__(self, estimators: Any, labels: np.ndarray, run: int, max_pending_bytes: int = 256 * 2**20,
                 expected_snapshots: int | None = None) -> None:
        self.estimator_set = EstimatorSet(estimators)
        self.labels = np.asarray(labels)
        self.run = run
        self.max_pending_bytes = max_pending_bytes
        self._queue: queue.Queue = queue.Queue()
        self._room = threading.Condition()
        self._pending_bytes = 0
        self._blocks: list[dict[str, dict[str, np.ndarray]]] = []
        self._error: BaseException | None = None
        #: Time spent estimating so far.
        self.busy_seconds = 0.0
        #: Snapshots estimated so far.
        self.estimated_snapshots = 0
        self.expected_snapshots = expected_snapshots
        self._thread = threading.Thread(target=self._work, name=f"estimation-run-{run}", daemon=True)
        self._thread.start()

    def submit(self, epoch: int, layer_names: Sequence[str], activations: Sequence[np.ndarray]) -> None:
        """Queue one snapshot: the activations [N, width] of every layer at ``epoch``."""
        if self._error is not None:
            return
        activations = [np.asarray(a) for a in activations]
        size = sum(a.nbytes for a in activations)
        with self._room:
            self._room.wait_for(
                lambda: self._pending_bytes == 0 or self._pending_bytes + size <= self.max_pending_bytes)
            self._pending_bytes += size
        self._queue.put((epoch, list(layer_names), activations, size))

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            epoch, layer_names, activations, size = item
            started = time.perf_counter()
            try:
                if self._error is None:
                    for layer_index, (name, values) in enumerate(zip(layer_names, activations)):
                        self._blocks.append(self.estimator_set.estimate_columns(
                            values[None], self.labels, np.array([epoch]), layer_index, name, self.run))
            except BaseException as exc:  # handed to the training thread by result()
                self._error = exc
            self.busy_seconds += time.perf_counter() - started
            self.estimated_snapshots += 1
            with self._room:
                self._pending_bytes -= size
                self._room.notify_all()

    def status(self) -> str:
        """How far estimation is, e.g. ``MI of 12 of 30 snapshots estimated``."""
        of = f" of {self.expected_snapshots}" if self.expected_snapshots is not None else ""
        return f"MI of {self.estimated_snapshots}{of} snapshots estimated"

    def result(self) -> pd.DataFrame:
        """Wait for every queued snapshot; return the rows, or raise the first estimation error."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return sorted_measures([measures_frame(self._blocks)])

    def abandon(self) -> None:
        """Stop after the snapshot being estimated (training failed); drop what is queued."""
        self._error = self._error or EstimationError("estimation abandoned")
        self._queue.put(None)
        self._thread.join()

