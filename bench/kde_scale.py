"""KDE bounds at MNIST scale: time for one snapshot of a 784-1024-20-20-20-10 net on 10000 rows, and peak
memory for N = 60000 rows of width 1024.

The activations come from a randomly initialised network of that shape (deep_bottleneck's
models.feedforward, tanh) fed with 10000 uniform random 784-pixel inputs: full MNIST is not
available offline here (no two rows are identical). Both bounds of each layer come from one ``estimate_both``
call, after a first call on 64 rows (numba loads or compiles its kernels; timed apart); they are checked against
a float64 evaluation of the formulas (``naive_estimators.kde_bounds_blocked``) and timed against T1, measured first
in the same invocation (``bench/t1.py``; issue 17's target: 2 s x T1 / 24.5 s).

    python bench/kde_scale.py [--skip-60000] [--t1-epochs 8000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deep_bottleneck  # noqa: E402,F401
import keras  # noqa: E402
import numpy as np  # noqa: E402

import naive_estimators  # noqa: E402

from deep_bottleneck.models.base import recorded_layers  # noqa: E402
from deep_bottleneck.mi_estimator._kde import KDEBoundEstimator  # noqa: E402
from deep_bottleneck.models import feedforward  # noqa: E402
from t1 import REFERENCE_T1_SECONDS, measure_t1  # noqa: E402

NOISE_VARIANCE = 0.001
LARGE_ROWS, LARGE_WIDTH = 60000, 1024

LARGE_SCRIPT = f"""
import sys, time, resource
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
import numpy as np
from deep_bottleneck.mi_estimator._kde import KDEBoundEstimator
rng = np.random.default_rng(0)
activations = np.tanh(rng.normal(size=({LARGE_ROWS}, {LARGE_WIDTH}), scale=0.05).astype(np.float32))
labels = rng.integers(0, 10, size={LARGE_ROWS})
start = time.perf_counter()
bounds = KDEBoundEstimator({NOISE_VARIANCE}, "upper").estimate_both(activations, labels)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, bounds)
"""


def mnist_sized_snapshot() -> tuple[list[np.ndarray], np.ndarray]:
    keras.utils.set_random_seed(0)
    model = feedforward.load([1024, 20, 20, 20], "tanh", "adam", 1e-3, 784, 10)
    layers = recorded_layers(model)
    extractor = keras.Model(model.inputs, [layer.output for layer in layers])
    rng = np.random.default_rng(0)
    inputs = rng.uniform(0, 1, size=(10000, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=10000)
    return [np.asarray(a) for a in extractor.predict_on_batch(inputs)], labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-60000", action="store_true")
    parser.add_argument("--t1-epochs", type=int, default=8000, help="epochs of the T1 measurement (bench/t1.py)")
    args = parser.parse_args()
    t1, t1_cpu = measure_t1(args.t1_epochs)
    target = 2.0 * t1 / REFERENCE_T1_SECONDS
    activations, labels = mnist_sized_snapshot()
    estimator = KDEBoundEstimator(NOISE_VARIANCE, "upper")
    started = time.perf_counter()
    for layer in activations:
        estimator.estimate_both(layer[:64], labels[:64])
    first_call = time.perf_counter() - started
    seconds, results = [], []
    cpu_started = time.process_time()
    for layer in activations:
        started = time.perf_counter()
        results.append(estimator.estimate_both(layer, labels))
        seconds.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu_started
    difference = max(abs(result[bound][which] - naive_estimators.kde_bounds_blocked(layer, labels, NOISE_VARIANCE)
                         [bound][which]) for layer, result in zip(activations, results)
                     for bound in ("upper", "lower") for which in (0, 1))
    print(f"T1 = {t1:.2f} s wall, {t1_cpu:.2f} s CPU; target {target:.2f} s (2 s x T1 / {REFERENCE_T1_SECONDS} s)")
    print(f"one snapshot, 784-1024-20-20-20-10 (random init), 10000 rows, widths {[a.shape[1] for a in activations]}: "
          f"upper and lower bounds of all layers in {sum(seconds):.2f} s ({', '.join(f'{s:.2f}' for s in seconds)}), "
          f"CPU {cpu:.2f} s; first call on 64 rows {first_call:.2f} s")
    print(f"  = {sum(seconds) / target:.2f} x the target by wall time, "
          f"{cpu / t1_cpu * REFERENCE_T1_SECONDS / 2.0:.2f} x by CPU time; largest difference from float64 "
          f"{difference:.1e} bits")
    if not args.skip_60000:
        done = subprocess.run([sys.executable, "-c", LARGE_SCRIPT], capture_output=True, text=True, check=True)
        seconds, peak_kib, bounds = done.stdout.strip().split(" ", 2)
        print(f"N = {LARGE_ROWS}, width {LARGE_WIDTH}: {float(seconds):.1f} s, peak resident memory of the process "
              f"{int(peak_kib) / 2**20:.2f} GiB (target < 2 GiB), bounds {bounds}")


if __name__ == "__main__":
    main()
