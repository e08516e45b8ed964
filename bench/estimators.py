"""Estimator speed and agreement on identical activations of Tishby's net.

Activations: Tishby's net (12-10-7-5-4-3-2, tanh, Adam 4e-4, batch 256) trained 8000 epochs on the
harmonics data, recorded on all 4096 rows at the stepped schedule: 230 snapshots x 6 layers
(cached in bench/results/; made on the first run). Fast estimators run on every snapshot; the
straightforward ones of bench/naive_estimators.py run on all of them for binning and on a spread
subset for KDE (their full run would take about half an hour); their time is extrapolated.

    python bench/estimators.py [--noise 0.001] [--bin-width 0.07] [--kde-subset 12]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deep_bottleneck  # noqa: E402,F401
import keras  # noqa: E402
import numpy as np  # noqa: E402

import naive_estimators  # noqa: E402
from deep_bottleneck.activation_file import ActivationFile  # noqa: E402
from deep_bottleneck.run.activation_recorder import ActivationRecorder  # noqa: E402
from deep_bottleneck.data_split import construct_full_dataset  # noqa: E402
from deep_bottleneck.datasets import harmonics  # noqa: E402
from deep_bottleneck.run.estimation import LabelledEstimator, estimate_activation_file  # noqa: E402
from deep_bottleneck.mi_estimator import _kde as kde, _kde_pair_kernel, binning  # noqa: E402
from deep_bottleneck import plugins  # noqa: E402
from deep_bottleneck.models import feedforward  # noqa: E402
from deep_bottleneck.snapshot_schedule import stepped_epochs  # noqa: E402
from deep_bottleneck.training import train  # noqa: E402

ACTIVATIONS = Path(__file__).resolve().parent / "results" / "tishby_tanh_8000_epochs.h5"


def record_activations(path: Path, epochs: int = 8000) -> None:
    training, test = harmonics.load()
    keras.utils.set_random_seed(0)
    model = feedforward.load([10, 7, 5, 4, 3], "tanh", "adam", 4e-4, 12, 2)
    recorder = ActivationRecorder(construct_full_dataset(training, test), "full_dataset", stepped_epochs(epochs), path)
    train(model, training, test, epochs, 256, [recorder], seed=0)


def load_layers(path: Path) -> tuple[list[np.ndarray], np.ndarray]:
    with ActivationFile(path) as store:
        return [store.layer(name)[:] for name in store.layer_names], store.labels


def naive_over_snapshots(layers, labels, indices, estimate) -> tuple[np.ndarray, float]:
    """Run a naive estimator on the given snapshot indices of every layer; return results and seconds."""
    start = time.perf_counter()
    results = np.array([[estimate(layer[index], labels) for index in indices] for layer in layers])
    return results, time.perf_counter() - start


def fast_results(estimator, layers: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """The pipeline's estimation of the whole activation file; [layers, snapshots, 2] and seconds."""
    start = time.perf_counter()
    measures = estimate_activation_file(estimator, ACTIVATIONS, run=0)
    seconds = time.perf_counter() - start
    table = measures.sort_values(["layer", "epoch"])[["MI_XM", "MI_YM"]].to_numpy()
    return table.reshape(len(layers), -1, 2), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--noise", type=float, default=0.001, help="KDE noise variance")
    parser.add_argument("--bin-width", type=float, default=0.07)
    parser.add_argument("--kde-subset", type=int, default=12, help="snapshots the naive KDE runs on")
    args = parser.parse_args()
    if not ACTIVATIONS.exists():
        ACTIVATIONS.parent.mkdir(parents=True, exist_ok=True)
        print("recording activations (8000 epochs, once) ...", flush=True)
        record_activations(ACTIVATIONS)
    layers, labels = load_layers(ACTIVATIONS)
    n_snapshots, n_rows = layers[0].shape[:2]
    print(f"activations: {n_snapshots} snapshots x {len(layers)} layers x {n_rows} rows, "
          f"widths {[layer.shape[2] for layer in layers]}; "
          f"fast = deep_bottleneck.run.estimation on {os.cpu_count()} cores")

    fast, fast_seconds = fast_results(binning.load(args.bin_width), layers)
    naive, naive_seconds = naive_over_snapshots(
        layers, labels, range(n_snapshots), lambda a, y: naive_estimators.binning(a, y, args.bin_width))
    print(f"binning      fast {fast_seconds:8.2f} s   naive {naive_seconds:8.2f} s   "
          f"speed-up {naive_seconds / fast_seconds:6.1f}x   max |difference| {np.abs(fast - naive).max():.2e} bits")

    subset = np.linspace(0, n_snapshots - 1, args.kde_subset).round().astype(int)
    scale_up = n_snapshots / len(subset)
    naive_seconds_total = 0.0
    fast_seconds_total = 0.0
    for bound in ("upper", "lower"):
        fast, fast_seconds = fast_results(
            plugins.load_plugin("estimator", f"mi_estimator.{bound}", discretization_range=args.noise), layers)
        naive, naive_seconds = naive_over_snapshots(
            layers, labels, subset, lambda a, y: naive_estimators.kde_bound(a, y, args.noise, bound))
        naive_seconds *= scale_up
        fast_seconds_total += fast_seconds
        naive_seconds_total += naive_seconds
        print(f"KDE {bound:5}    fast {fast_seconds:8.2f} s   naive {naive_seconds:8.2f} s (extrapolated from "
              f"{len(subset)} snapshots)   speed-up {naive_seconds / fast_seconds:6.1f}x   "
              f"max |difference| {np.abs(fast[:, subset] - naive).max():.2e} bits")
    print(f"KDE upper+lower as two plug-in runs: fast {fast_seconds_total:.2f} s, naive {naive_seconds_total:.2f} s, "
          f"speed-up {naive_seconds_total / fast_seconds_total:.1f}x (noise variance {args.noise})")

    both = [LabelledEstimator(bound, plugins.load_plugin("estimator", f"mi_estimator.{bound}",
                                                         discretization_range=args.noise))
            for bound in ("upper", "lower")]
    start = time.perf_counter()
    estimate_activation_file(both, ACTIVATIONS, run=0)
    shared_seconds = time.perf_counter() - start
    print(f"KDE upper+lower in one run (estimators [upper, lower], one kernel pass): {shared_seconds:.2f} s, "
          f"{fast_seconds_total / shared_seconds:.2f}x faster than the two plug-in runs")

    snapshot = layers[0][n_snapshots // 2]
    estimator = kde.KDEBoundEstimator(args.noise, "upper")
    estimator.estimate_both(snapshot, labels)
    start = time.perf_counter()
    for _ in range(5):
        estimator.estimate_both(snapshot, labels)
    seconds = (time.perf_counter() - start) / 5
    distinct = np.unique(snapshot, axis=0)
    pairs = len(_kde_pair_kernel.compared_pairs(distinct, 1 / (8 * args.noise), float(len(snapshot))))
    print(f"KDE kernel, one snapshot of layer 0 ({n_rows} x {snapshot.shape[1]}): {seconds * 1e3:.1f} ms; "
          f"{pairs} of the {len(distinct) * (len(distinct) - 1) // 2} pairs of distinct rows computed "
          f"({pairs / seconds / 1e9:.3f} G pairs/s, both bounds, all rows and own class each)")

if __name__ == "__main__":
    main()
