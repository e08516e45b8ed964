"""KSG (``mi_estimator.ksg``) per snapshot on the canonical layers, against T1 measured in the same invocation.

Activations: Tishby's net (12-10-7-5-4-3-2, tanh, Adam 4e-4, batch 256, seed 0) trained 8000 epochs on the
harmonics data, all 6 layers on the 4096 rows at the stepped schedule (``bench/estimators.py`` records them into
bench/results/ once), or any activation file (``--activations``). Trained layers cluster: many identical or
near-identical rows, whose noise draws crowd each neighbourhood (the slow case of a k-d tree that lists points).

For each chosen snapshot: the seconds of ``KSGEstimator.estimate_one`` on each layer (one thread; the pipeline
estimates snapshots in parallel threads), summed over the 6 layers, wall and CPU, each against T1's (``t1.py``).
With ``--reference COMMIT``, that commit's ``ksg.py`` (scipy's cKDTree) runs on the last chosen snapshot too, and
the results must be identical: both count neighbours exactly as brute force does.

    python bench/ksg.py [--snapshots 5] [--reference 78c67f8] [--activations FILE] [--t1-epochs 8000]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from deep_bottleneck.activation_file import ActivationFile  # noqa: E402
from deep_bottleneck.mi_estimator import ksg  # noqa: E402
from t1 import CANONICAL_EPOCHS, REFERENCE_T1_SECONDS, measure_t1  # noqa: E402

DEFAULT_ACTIVATIONS = PROJECT_ROOT / "bench" / "results" / "tishby_tanh_8000_epochs.h5"
NOISE_VARIANCE = 0.001
#: The issue's target: one canonical snapshot (all 6 layers) in 1 s on a machine where T1 = 24.5 s.
TARGET_SECONDS = 1.0


def ksg_of_commit(commit: str, directory: Path):
    """``deep_bottleneck/mi_estimator/ksg.py`` as it was at ``commit``, imported under another name."""
    source = subprocess.run(["git", "show", f"{commit}:deep_bottleneck/mi_estimator/ksg.py"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True).stdout
    path = directory / f"ksg_{commit}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_snapshot(estimator, layers: list[np.ndarray], labels: np.ndarray) -> tuple[list[float], float, list[tuple]]:
    """Wall seconds of each layer of one snapshot, CPU seconds of all, and (I(X;T), I(T;Y)) of each layer."""
    seconds, results = [], []
    cpu_started = time.process_time()
    for activations in layers:
        started = time.perf_counter()
        results.append(estimator.estimate_one(activations, labels))
        seconds.append(time.perf_counter() - started)
    return seconds, time.process_time() - cpu_started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activations", type=Path, default=DEFAULT_ACTIVATIONS)
    parser.add_argument("--snapshots", type=int, default=5, help="snapshots timed: the first and the last ones")
    parser.add_argument("--reference", help="commit whose ksg.py runs on the last timed snapshot too")
    parser.add_argument("--t1-epochs", type=int, default=CANONICAL_EPOCHS)
    args = parser.parse_args()
    if not args.activations.exists():
        from estimators import record_activations

        args.activations.parent.mkdir(parents=True, exist_ok=True)
        print("recording activations (8000 epochs, once) ...", flush=True)
        record_activations(args.activations)
    t1, t1_cpu = measure_t1(args.t1_epochs)
    target = TARGET_SECONDS * t1 / REFERENCE_T1_SECONDS
    with ActivationFile(args.activations) as store:
        labels, epochs = store.labels, store.epochs
        chosen = sorted({0, *range(len(epochs) - args.snapshots + 1, len(epochs))})
        snapshots = {index: [store.layer(name)[index] for name in store.layer_names] for index in chosen}
    estimator = ksg.load(NOISE_VARIANCE)
    estimator.estimate_one(snapshots[chosen[0]][-1][:64], labels[:64])  # compiles (or loads) the kernels
    print(f"T1 = {t1:.2f} s wall, {t1_cpu:.2f} s CPU; target per snapshot {TARGET_SECONDS} s x T1 / "
          f"{REFERENCE_T1_SECONDS} s = {target:.2f} s")
    print(f"KSG (noise variance {NOISE_VARIANCE}, k = {estimator.k}, {estimator.noise_draws} draws per row), "
          f"{len(labels)} rows, widths {[layer.shape[1] for layer in snapshots[chosen[0]]]}:")
    totals, cpu_totals = [], []
    for index in chosen:
        seconds, cpu, _ = time_snapshot(estimator, snapshots[index], labels)
        totals.append(sum(seconds))
        cpu_totals.append(cpu)
        print(f"  epoch {epochs[index]:5d}: {sum(seconds):.2f} s = {sum(seconds) / t1:.4f} T1; CPU {cpu:.2f} s = "
              f"{cpu / t1_cpu:.4f} T1's CPU ({', '.join(f'{s:.2f}' for s in seconds)} s per layer)", flush=True)
    print(f"slowest snapshot {max(totals):.2f} s wall = {max(totals) / target:.2f} x target; by CPU time "
          f"{max(cpu_totals) / t1_cpu * REFERENCE_T1_SECONDS:.2f} s at T1 = {REFERENCE_T1_SECONDS} s")
    if args.reference:
        with tempfile.TemporaryDirectory() as directory:
            reference = ksg_of_commit(args.reference, Path(directory)).load(NOISE_VARIANCE)
            index = chosen[-1]
            seconds, cpu, results = time_snapshot(reference, snapshots[index], labels)
            _, _, now = time_snapshot(estimator, snapshots[index], labels)
        print(f"  {args.reference} (cKDTree), epoch {epochs[index]}: {sum(seconds):.2f} s, CPU {cpu:.2f} s "
              f"({', '.join(f'{s:.2f}' for s in seconds)} s per layer); results identical: {results == now}")


if __name__ == "__main__":
    main()
