"""Does a layer compress? How far I(X;T) fell from its peak to the end of training, with a bootstrap
interval over runs.

For each estimator and layer, the runs' I(X;T) curves (epochs every run reached) are averaged; the drop is
the mean curve's maximum minus its last value. The interval resamples runs with replacement and takes the
same drop of each resample's mean curve (percentile interval). A layer is said to compress when the lower
end of the interval is above ``RELATIVE_THRESHOLD`` of the peak: the drop is then more than noise between
snapshots (a curve that only rises still has a drop of the size of its last wiggle). One run has no spread to
resample: its interval is left empty and its verdict is ``NEEDS_RUNS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from deep_bottleneck.record_file import replace_atomically

COLUMNS = ["estimator", "layer", "layer_name", "n_runs", "peak_epoch", "peak_bits", "end_epoch", "end_bits",
           "drop_bits", "drop_ci_low", "drop_ci_high", "relative_drop", "verdict"]
#: A layer compresses when the interval's lower end exceeds this fraction of its peak I(X;T).
RELATIVE_THRESHOLD = 0.05
CONFIDENCE = 0.95
N_RESAMPLES = 2000
#: The verdicts of the ``verdict`` column.
COMPRESSES, DOES_NOT_COMPRESS, NEEDS_RUNS = "compresses", "does not compress", "needs >= 2 runs"


def run_curves(measures: pd.DataFrame) -> pd.DataFrame:
    """I(X;T) of one estimator's layer as a [runs x epochs] table, only epochs every run reached."""
    table = measures.pivot_table(index="run", columns="epoch", values="MI_XM", aggfunc="mean")
    return table.dropna(axis="columns").sort_index(axis="columns")


def peak_to_end_drops(curves: np.ndarray) -> np.ndarray:
    """Max minus last value of each curve, ``curves`` [..., epochs]."""
    return curves.max(axis=-1) - curves[..., -1]


def layer_verdict(curves: pd.DataFrame, rng: np.random.Generator, n_resamples: int = N_RESAMPLES,
                  confidence: float = CONFIDENCE) -> dict:
    """Peak, end, drop and its bootstrap interval for one layer's ``run_curves``; with one run the interval is
    NaN and the verdict ``NEEDS_RUNS``."""
    values = curves.to_numpy(dtype=np.float64)
    epochs = curves.columns.to_numpy()
    mean_curve = values.mean(axis=0)
    peak = int(np.argmax(mean_curve))
    drop = float(mean_curve[peak] - mean_curve[-1])
    if len(values) < 2:
        low = high = np.nan
        verdict = NEEDS_RUNS
    else:
        resampled = rng.integers(0, len(values), size=(n_resamples, len(values)))
        drops = peak_to_end_drops(values[resampled].mean(axis=1))
        tail = (1 - confidence) / 2
        low, high = np.quantile(drops, [tail, 1 - tail])
        verdict = COMPRESSES if low > RELATIVE_THRESHOLD * mean_curve[peak] else DOES_NOT_COMPRESS
    return {
        "n_runs": len(values), "peak_epoch": int(epochs[peak]), "peak_bits": float(mean_curve[peak]),
        "end_epoch": int(epochs[-1]), "end_bits": float(mean_curve[-1]), "drop_bits": drop,
        "drop_ci_low": float(low), "drop_ci_high": float(high),
        "relative_drop": drop / mean_curve[peak] if mean_curve[peak] > 0 else 0.0,
        "verdict": verdict,
    }


def compression_verdicts(measures: pd.DataFrame, layer_names: Sequence[str] = (), seed: int = 0,
                         n_resamples: int = N_RESAMPLES, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """One row per (estimator, layer) of ``measures`` (the rows of ``information_measures.csv``).

    Args:
        measures: Columns ``epoch, layer, run, MI_XM`` and, optionally, ``estimator``.
        layer_names: Name of each layer index (the readout is the last).
        seed: Seed of the bootstrap resampling.
        n_resamples: Bootstrap resamples.
        confidence: Coverage of the interval.

    Returns:
        A frame with ``COLUMNS``; a layer of one run has no interval (NaN, an empty cell in the CSV) and the
        verdict ``NEEDS_RUNS``.
    """
    if "estimator" not in measures:
        measures = measures.assign(estimator="")
    rng = np.random.default_rng(seed)
    rows = []
    for (estimator, layer), group in measures.groupby(["estimator", "layer"], sort=False):
        curves = run_curves(group)
        if curves.shape[1] == 0:
            continue
        name = layer_names[layer] if layer < len(layer_names) else f"layer_{layer}"
        rows.append({"estimator": estimator, "layer": int(layer), "layer_name": name,
                     **layer_verdict(curves, rng, n_resamples, confidence)})
    return pd.DataFrame(rows, columns=COLUMNS)


def write_compression_verdicts(measures: pd.DataFrame, layer_names: Sequence[str], path: Path) -> Path:
    """Write the verdicts to ``path`` (the run folder's ``compression.csv``); return it."""
    verdicts = compression_verdicts(measures, layer_names)
    replace_atomically(path, lambda temporary: verdicts.to_csv(temporary, index=False))
    return path
