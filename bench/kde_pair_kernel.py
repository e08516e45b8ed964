"""KDE kernel sums per snapshot on the canonical activations: today's kernel against an earlier commit's, both
against a float64 evaluation.

    .venv/bin/python bench/kde_pair_kernel.py [--reference 3d528a7] [--activations FILE]

Activations: bench/results/tishby_tanh_8000_epochs.h5 (made by bench/estimators.py), or any activation file of a
run. For one snapshot of every layer at three epochs (first, middle, last), both bounds (s2 = 0.001, both classes):
best of 3 wall times of ``kde.kernel_sums`` and the largest error of a row's log-sum against float64 sums.
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

import deep_bottleneck  # noqa: E402,F401
import numpy as np  # noqa: E402

from deep_bottleneck.activation_file import ActivationFile  # noqa: E402
from deep_bottleneck.mi_estimator import _kde as kde  # noqa: E402

DEFAULT_ACTIVATIONS = PROJECT_ROOT / "bench" / "results" / "tishby_tanh_8000_epochs.h5"
NOISE_VARIANCE = 0.001


def module_of_commit(commit: str, directory: Path):
    """``deep_bottleneck/mi_estimator/kde.py`` as it was at ``commit``, imported under another name."""
    source = subprocess.run(["git", "show", f"{commit}:deep_bottleneck/mi_estimator/kde.py"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True).stdout
    path = directory / f"kde_{commit}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def float64_log_sums(activations: np.ndarray, labels: np.ndarray) -> np.ndarray:
    rows = activations.astype(np.float64)
    distances = np.stack([np.square(rows - row).sum(axis=1) for row in rows])
    scale = 1.0 / (8.0 * NOISE_VARIANCE)
    return np.log(np.stack([np.exp(-scale * distances).sum(axis=1),
                            np.exp(-4.0 * scale * distances).sum(axis=1)]))


def measure(module, activations: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    best = np.inf
    for _ in range(3):
        started = time.perf_counter()
        sums = module.kernel_sums(activations, labels, NOISE_VARIANCE, 2)
        best = min(best, time.perf_counter() - started)
    # Rows were merged; expand back with the multiplicities to compare row by row.
    _, inverse = np.unique(activations, axis=0, return_inverse=True)
    log_sums = np.log(np.stack([sums.lower.sum(axis=1)[inverse.ravel()], sums.upper.sum(axis=1)[inverse.ravel()]]))
    return best, log_sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", help="commit whose kde.py to time as well")
    parser.add_argument("--activations", type=Path, default=DEFAULT_ACTIVATIONS)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        reference = module_of_commit(arguments.reference, Path(directory)) if arguments.reference else None
        totals = {"now": 0.0, "reference": 0.0}
        with ActivationFile(arguments.activations) as store:
            labels = store.labels
            snapshots = [0, len(store.epochs) // 2, len(store.epochs) - 1]
            for name, dataset in store.layers():
                for snapshot in snapshots:
                    activations = dataset[snapshot]
                    exact = float64_log_sums(activations, labels)
                    line = f"{name} epoch {int(store.epochs[snapshot]):5d} width {activations.shape[1]:2d}:"
                    for label, module in (("now", kde), ("reference", reference)):
                        if module is None:
                            continue
                        seconds, log_sums = measure(module, activations, labels)
                        totals[label] += seconds
                        line += f"  {label} {seconds * 1e3:7.1f} ms (error {np.abs(log_sums - exact).max():.1e})"
                    print(line, flush=True)
        print(f"total now: {totals['now']:.3f} s" + (f", reference {arguments.reference}: {totals['reference']:.3f} s"
                                                      f" ({totals['reference'] / totals['now']:.2f}x)"
                                                      if reference else ""))


if __name__ == "__main__":
    main()
