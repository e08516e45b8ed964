"""Estimate I(X;T) and I(T;Y) for every layer and snapshot of a recorded run."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from deep_bottleneck.activation_store import ActivationFile
from deep_bottleneck.errors import EstimationError
from deep_bottleneck.mi_estimator.base import MutualInformationEstimator
from deep_bottleneck.progress import progress_bar

MEASURE_COLUMNS = ["epoch", "layer", "run", "MI_XM", "MI_YM"]
DEFAULT_CHUNK_BYTES = 256 * 2**20


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


def estimate_activation_file(
    estimator: MutualInformationEstimator, path: Path, run: int, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    workers: int | None = None,
) -> pd.DataFrame:
    """Estimate MI for every (snapshot, layer) stored in one activation file.

    Snapshots are read in chunks of at most ``chunk_bytes``; ``workers`` chunks (default: one per
    core) are estimated at a time, so memory stays bounded. Results do not depend on ``workers``.

    Args:
        estimator: Any estimator plug-in.
        path: HDF5 file written by ``ActivationRecorder``.
        run: Index of the repetition, stored in the ``run`` column.
        chunk_bytes: Upper bound of one chunk of activations in memory.
        workers: Chunks estimated in parallel threads.

    Returns:
        A frame with columns ``MEASURE_COLUMNS`` (MI in bits), one row per (epoch, layer).
    """
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
            activations, chunk_epochs = dataset[snapshots], epochs[snapshots]
            check_finite(activations, chunk_epochs, layer_name, run)
            mi_xt, mi_ty = estimator.estimate_snapshots(activations, labels)
            return pd.DataFrame({
                "epoch": chunk_epochs, "layer": layer_index, "run": run,
                "MI_XM": np.asarray(mi_xt, dtype=np.float64), "MI_YM": np.asarray(mi_ty, dtype=np.float64),
            })

        frames = []
        with progress_bar(len(epochs) * len(store.layer_names), f"run {run}: estimating MI") as bar, \
                ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            for frame in pool.map(estimate_chunk, tasks):
                frames.append(frame)
                bar.update(len(frame))
    if not frames:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[MEASURE_COLUMNS].sort_values(["epoch", "layer"], ignore_index=True)


def average_over_runs(measures: pd.DataFrame) -> pd.DataFrame:
    """Mean MI per (epoch, layer) over runs; only epochs every run reached are kept."""
    n_runs = measures["run"].nunique()
    grouped = measures.groupby(["epoch", "layer"])
    summary = grouped[["MI_XM", "MI_YM"]].mean()
    summary = summary[grouped["run"].nunique() == n_runs]
    return summary.reset_index()
