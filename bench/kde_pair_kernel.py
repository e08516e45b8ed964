"""Both KDE bounds per snapshot on the canonical activations: today's estimator against an earlier commit's, both
against a float64 evaluation of the formulas.

    .venv/bin/python bench/kde_pair_kernel.py [--reference 78c67f8] [--activations FILE] [--all-snapshots]

Activations: bench/results/tishby_tanh_8000_epochs.h5 (made by bench/estimators.py), or any activation file of a
run. For one snapshot of every layer at three epochs (first, middle, last), both bounds (s2 = 0.001, both classes)
from one ``estimate_both`` call: best of 3 CPU times (one thread; the pipeline runs snapshots in parallel threads)
and the largest difference of the four values from ``bench/naive_estimators.py``'s float64 evaluation. With
``--all-snapshots``, the CPU time of every snapshot of every layer too (what one repetition's KDE costs).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import naive_estimators  # noqa: E402
from deep_bottleneck.activation_file import ActivationFile  # noqa: E402
from deep_bottleneck.mi_estimator import _kde as kde  # noqa: E402

DEFAULT_ACTIVATIONS = PROJECT_ROOT / "bench" / "results" / "tishby_tanh_8000_epochs.h5"
NOISE_VARIANCE = 0.001
#: Where the KDE modules lived, before and after the layout change.
MODULE_NAMES = [("kde", "kde_pair_kernel"), ("_kde", "_kde_pair_kernel")]


def kde_of_commit(commit: str, directory: Path):
    """The KDE module (and its pair kernel) as they were at ``commit``, imported under other names."""
    for estimator_name, kernel_name in MODULE_NAMES:
        sources = [subprocess.run(["git", "show", f"{commit}:deep_bottleneck/mi_estimator/{name}.py"],
                                  cwd=PROJECT_ROOT, capture_output=True, text=True) for name in (estimator_name,
                                                                                                  kernel_name)]
        if all(source.returncode == 0 for source in sources):
            break
    else:
        sys.exit(f"commit {commit} has no KDE module under {MODULE_NAMES}")
    kernel_module = f"{kernel_name.lstrip('_')}_{commit}"
    (directory / f"{kernel_module}.py").write_text(sources[1].stdout)
    estimator_source = re.sub(rf"deep_bottleneck\.mi_estimator\.{kernel_name}\b", kernel_module, sources[0].stdout)
    path = directory / f"kde_{commit}.py"
    path.write_text(estimator_source)
    sys.path.insert(0, str(directory))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def both_bounds(module, activations: np.ndarray, labels: np.ndarray) -> np.ndarray:
    bounds = module.KDEBoundEstimator(NOISE_VARIANCE, "upper").estimate_both(activations, labels)
    return np.array([*bounds["upper"], *bounds["lower"]])


def measure(module, activations: np.ndarray, labels: np.ndarray, repeats: int = 3) -> tuple[float, np.ndarray]:
    """Best CPU seconds of ``repeats`` calls, and the four values (upper and lower I(X;T), I(T;Y))."""
    best = np.inf
    for _ in range(repeats):
        started = time.process_time()
        values = both_bounds(module, activations, labels)
        best = min(best, time.process_time() - started)
    return best, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="commit whose KDE estimator to time as well")
    parser.add_argument("--activations", type=Path, default=DEFAULT_ACTIVATIONS)
    parser.add_argument("--all-snapshots", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, ActivationFile(arguments.activations) as store:
        modules = {"now": kde}
        if arguments.reference:
            modules[arguments.reference] = kde_of_commit(arguments.reference, Path(directory))
        labels = store.labels
        layers = {name: dataset[:] for name, dataset in store.layers()}
        for module in modules.values():  # compile, or load the compiled kernels
            for activations in layers.values():
                both_bounds(module, activations[0, :64], labels[:64])
        totals = dict.fromkeys(modules, 0.0)
        for name, activations in layers.items():
            for snapshot in [0, len(store.epochs) // 2, len(store.epochs) - 1]:
                exact = np.array([value for bound in ("upper", "lower") for value in naive_estimators.kde_bound(
                    activations[snapshot], labels, NOISE_VARIANCE, bound)])
                line = f"{name} epoch {int(store.epochs[snapshot]):5d} width {activations.shape[2]:2d}:"
                for label, module in modules.items():
                    seconds, values = measure(module, activations[snapshot], labels)
                    totals[label] += seconds
                    line += f"  {label} {seconds * 1e3:6.1f} ms (|difference| {np.abs(values - exact).max():.1e})"
                print(line, flush=True)
        print("18 snapshots, CPU: " + ", ".join(f"{label} {seconds:.3f} s" for label, seconds in totals.items()))
        if arguments.all_snapshots:
            for label, module in modules.items():
                started = time.process_time()
                for activations in layers.values():
                    for snapshot in activations:
                        both_bounds(module, snapshot, labels)
                seconds = time.process_time() - started
                count = sum(len(activations) for activations in layers.values())
                print(f"every snapshot of every layer ({count}), {label}: {seconds:.2f} s CPU "
                      f"({seconds / len(store.epochs) * 1e3:.1f} ms per snapshot of all layers)", flush=True)


if __name__ == "__main__":
    main()
