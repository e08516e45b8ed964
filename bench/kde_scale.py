"""KDE bounds at MNIST scale: time for one snapshot of a 784-1024-20-20-20-10 net on 10000 rows, and peak
memory for N = 60000 rows of width 1024.

The activations come from a randomly initialised network of that shape (deep_bottleneck's
models.feedforward, tanh) fed with 10000 uniform random 784-pixel inputs: full MNIST is not
available offline here, and the cost depends only on the shapes (no two rows are identical).

    python bench/kde_scale.py [--skip-60000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import deep_bottleneck  # noqa: E402,F401
import keras  # noqa: E402
import numpy as np  # noqa: E402

from deep_bottleneck.models.base import recorded_layers  # noqa: E402
from deep_bottleneck.mi_estimator._kde import KDEBoundEstimator  # noqa: E402
from deep_bottleneck.models import feedforward  # noqa: E402

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
    args = parser.parse_args()
    activations, labels = mnist_sized_snapshot()
    estimator = KDEBoundEstimator(NOISE_VARIANCE, "upper")
    start = time.perf_counter()
    for layer in activations:
        estimator.estimate_both(layer, labels)
    seconds = time.perf_counter() - start
    print(f"one snapshot, 784-1024-20-20-20-10, 10000 rows, widths {[a.shape[1] for a in activations]}: "
          f"upper and lower bounds of all layers in {seconds:.2f} s (target < 10 s; compilation included)")
    if not args.skip_60000:
        done = subprocess.run([sys.executable, "-c", LARGE_SCRIPT], capture_output=True, text=True, check=True)
        seconds, peak_kib, bounds = done.stdout.strip().split(" ", 2)
        print(f"N = {LARGE_ROWS}, width {LARGE_WIDTH}: {float(seconds):.1f} s, peak resident memory of the process "
              f"{int(peak_kib) / 2**20:.2f} GiB (target < 2 GiB), bounds {bounds}")


if __name__ == "__main__":
    main()
