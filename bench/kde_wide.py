"""KDE bounds on one wide snapshot: ReLU-like activations of width 1024 reaching ~300 on N = 4096 rows
(float32, as activations are stored), both bounds from one call, against the float64 evaluation of
bench/naive_estimators.py.

Rows are scale * prototype[cluster] + Gaussian noise of variance s2 / width per unit, cut at 0: 64
clusters; the label is the cluster's parity for 80 % of the rows, random for the rest. Within a
cluster D_ij is about 2 s2, so neither bound saturates, while the rows' magnitude is what a float32
||a||^2 + ||b||^2 - 2 a.b cannot resolve.

    python bench/kde_wide.py [--width 1024] [--rows 4096] [--scale 300] [--noise 0.001]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import naive_estimators  # noqa: E402
from deep_bottleneck.mi_estimator._kde import KDEBoundEstimator  # noqa: E402


def clustered_relu_rows(n_rows: int, width: int, scale: float, noise_variance: float) -> tuple[np.ndarray, np.ndarray]:
    """[n_rows, width] float32 activations and their [n_rows] labels (see the module docstring)."""
    rng = np.random.default_rng(0)
    cluster = rng.integers(0, 64, size=n_rows)
    centres = scale * rng.uniform(0.0, 1.0, size=(64, width))[cluster]
    rows = np.maximum(centres + rng.normal(scale=np.sqrt(noise_variance / width), size=(n_rows, width)), 0.0)
    labels = np.where(rng.random(n_rows) < 0.8, cluster % 2, rng.integers(0, 2, size=n_rows))
    return rows.astype(np.float32), labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--scale", type=float, default=300.0)
    parser.add_argument("--noise", type=float, default=0.001, help="KDE noise variance s2")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows, labels = clustered_relu_rows(args.rows, args.width, args.scale, args.noise)
    estimator = KDEBoundEstimator(args.noise, "upper")
    start = time.perf_counter()
    fast = estimator.estimate_both(rows, labels)
    first_seconds = time.perf_counter() - start
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        estimator.estimate_both(rows, labels)
        seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    naive = {bound: naive_estimators.kde_bound(rows, labels, args.noise, bound) for bound in ("upper", "lower")}
    naive_seconds = time.perf_counter() - start
    print(f"{args.rows} x {args.width}, scale {args.scale:g}, s2 {args.noise:g}: both bounds in {min(seconds):.2f} s "
          f"(best of {args.repeats}; first call with compilation {first_seconds:.2f} s); "
          f"naive float64, two bounds: {naive_seconds:.2f} s")
    for bound in ("upper", "lower"):
        difference = np.abs(np.subtract(fast[bound], naive[bound])).max()
        print(f"  {bound:5}  fast I(X;T) {fast[bound][0]:.4f}  I(T;Y) {fast[bound][1]:.4f}   "
              f"float64 {naive[bound][0]:.4f}  {naive[bound][1]:.4f}   max |difference| {difference:.1e} bits")


if __name__ == "__main__":
    main()
