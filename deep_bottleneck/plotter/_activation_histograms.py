"""Histograms of recorded activations over the snapshots, pooled over every repetition of a run.

Read from the run's activation files a chunk of snapshots at a time; of each
snapshot at most ``max_values`` values are kept (rows taken at an even stride), so memory and time are bounded
by ``max_values`` x snapshots x repetitions whatever the layer's width (1024 units cost what 10 do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from deep_bottleneck.activation_file import ActivationFile

CHUNK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Histograms:
    """Counts of activations per bin at each snapshot.

    Attributes:
        epochs: Epochs every repetition recorded, [S].
        edges: Bin edges, [bins + 1].
        counts: [S, bins] for a whole layer, or [units, S, bins] per unit.
        units: The units counted separately (empty for a whole layer).
    """

    epochs: np.ndarray
    edges: np.ndarray
    counts: np.ndarray
    units: tuple[int, ...] = ()

    @property
    def fractions(self) -> np.ndarray:
        """Counts as fractions of each snapshot's values."""
        totals = self.counts.sum(axis=-1, keepdims=True)
        return self.counts / np.maximum(totals, 1)


def spread_units(width: int, max_units: int) -> list[int]:
    """At most ``max_units`` unit indices spread evenly over a layer of ``width``, first and last included."""
    return sorted({int(round(i)) for i in np.linspace(0, width - 1, min(width, max_units))})


def _chunks(paths: Sequence[Path], layer: str, epochs: np.ndarray, units: Sequence[int] | None, max_values: int):
    """Yield ``(snapshot positions in epochs, activations [s, rows, units])`` over all files."""
    for path in paths:
        with ActivationFile(path) as store:
            dataset = store.layer(layer)
            n_snapshots, n_rows, width = dataset.shape
            columns = list(units) if units is not None else list(range(width))
            stride = max(1, math.ceil(n_rows * len(columns) / max_values))
            wanted = np.flatnonzero(np.isin(store.epochs[:n_snapshots], epochs))
            positions = np.searchsorted(epochs, store.epochs[wanted])
            per_chunk = max(1, CHUNK_BYTES // max(1, n_rows * width * 4))
            for start in range(0, len(wanted), per_chunk):
                picked = wanted[start:start + per_chunk]
                # Whole snapshots, then the stride: HDF5's strided selection reads ten times slower.
                block = dataset[int(picked[0]):int(picked[-1]) + 1]
                block = block[picked - picked[0], ::stride][:, :, columns]
                yield positions[start:start + per_chunk], block


def layer_histograms(paths: Sequence[Path], layer: str, bins: int = 30, units: Sequence[int] | None = None,
                     max_values: int = 2**14) -> Histograms:
    """Histogram of one layer's activations at every snapshot all files recorded.

    Args:
        paths: Activation files (one per repetition); their counts are added.
        layer: Layer name.
        bins: Bins between the smallest and largest value of the layer over all snapshots.
        units: Count these units separately; None pools all units of the layer.
        max_values: Values per snapshot and file used at most (rows at an even stride).
    """
    common = None
    for path in paths:
        with ActivationFile(path) as store:
            recorded = store.epochs[:store.layer(layer).shape[0]]
        common = recorded if common is None else np.intersect1d(common, recorded)
    epochs = np.sort(common)
    blocks = list(_chunks(paths, layer, epochs, units, max_values))
    low = min(float(block.min()) for _, block in blocks)
    high = max(float(block.max()) for _, block in blocks)
    if not high > low:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    n_groups = 1 if units is None else len(units)
    counts = np.zeros((n_groups, len(epochs), bins), dtype=np.int64)
    for positions, block in blocks:
        index = np.clip(((block - low) * (bins / (high - low))).astype(np.int64), 0, bins - 1)
        group = np.zeros_like(index) if units is None else np.broadcast_to(np.arange(n_groups), index.shape)
        snapshot = np.broadcast_to(positions[:, None, None], index.shape)
        keys = (group * len(epochs) + snapshot) * bins + index
        counts += np.bincount(keys.ravel(), minlength=counts.size).reshape(counts.shape)
    return Histograms(epochs, edges, counts[0] if units is None else counts, tuple(units or ()))
