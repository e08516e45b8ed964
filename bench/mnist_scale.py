"""An MNIST-size experiment's costs, on generated MNIST-shaped data (no download): one training epoch of
784-1024-20-20-20-10 on 60000 rows (batch 128), recording all layers' activations on 10000 test rows, and the
estimators (binning, KDE upper, KDE lower, both KDE bounds in one pass) on one such snapshot of the trained net.

Each phase runs in its own process so that its peak memory (max RSS) is its own. Each estimator first runs on 64
rows of every layer (numba loads or compiles its kernels there; timed apart), then on the snapshot. Both bounds
in one pass are checked against a float64 evaluation of the formulas (``naive_estimators.kde_bounds_blocked``)
and timed against T1, measured first in the same invocation (``bench/t1.py``; issue 17's target: 2 s x T1 / 24.5 s);
with ``--reference COMMIT``, that commit's KDE estimator (both bounds in one pass) runs on the snapshot too.

    python bench/mnist_scale.py [--epochs 2] [--activation tanh] [--noise 0.001] [--bin-width 0.07]
                                [--t1-epochs 8000] [--no-check] [--reference 78c67f8]

Data: 70000 rows of 784 values in [-1, 1]: a smoothed random image per class plus noise; the label is the class.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

ARCHITECTURE = [1024, 20, 20, 20]
#: Issue 17's target for both KDE bounds on one snapshot, on a machine where T1 = 24.5 s.
BOTH_BOUNDS_TARGET_SECONDS = 2.0
N_TRAIN, N_TEST, N_CLASSES, N_INPUTS = 60000, 10000, 10, 784
BATCH_SIZE = 128


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mnist_shaped_data(seed: int = 0):
    """``(training, test)`` DataSplits shaped like MNIST (see the module docstring)."""
    from deep_bottleneck.data_split import make_split

    rng = np.random.default_rng(seed)
    prototypes = rng.uniform(-1, 1, size=(N_CLASSES, 28, 28)).astype(np.float32)
    prototypes = (prototypes + np.roll(prototypes, 1, 1) + np.roll(prototypes, 1, 2)) / 3
    labels = rng.integers(0, N_CLASSES, size=N_TRAIN + N_TEST)
    rows = np.empty((len(labels), N_INPUTS), dtype=np.float32)
    for start in range(0, len(labels), 10000):  # in chunks, so that generating costs little memory
        chunk = labels[start:start + 10000]
        noise = rng.normal(scale=2.0, size=(len(chunk), N_INPUTS)).astype(np.float32)
        rows[start:start + 10000] = np.clip(prototypes.reshape(N_CLASSES, -1)[chunk] + noise, -1, 1)
    return (make_split(rows[:N_TRAIN], labels[:N_TRAIN], N_CLASSES),
            make_split(rows[N_TRAIN:], labels[N_TRAIN:], N_CLASSES))


def train_and_record(args) -> dict:
    import keras

    from deep_bottleneck.models.base import layer_activations
    from deep_bottleneck.run.activation_recorder import ActivationRecorder
    from deep_bottleneck.models import feedforward
    from deep_bottleneck.run.repetition import set_random_seed
    from deep_bottleneck.training import train

    training, test = mnist_shaped_data()
    set_random_seed(0)
    model = feedforward.load(ARCHITECTURE, args.activation, "adam", 0.001, N_INPUTS, N_CLASSES)
    before_training = peak_rss_mb()
    epoch_seconds = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.started)
            self.accuracy = logs["val_accuracy"]

    timer = EpochTimer()
    train(model, training, test, args.epochs, BATCH_SIZE, [timer], seed=0)
    after_training = peak_rss_mb()

    recorder = ActivationRecorder(test, "test", [0], Path(args.snapshot))
    recorder.set_model(model)
    recorder.on_train_begin()
    recorder.on_epoch_end(0)  # the first extraction compiles the extractor
    record_seconds = []
    for _ in range(3):
        started = time.perf_counter()
        activations = layer_activations(recorder._extractor, test.X)
        record_seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    recorder.record(1, activations)
    write_seconds = time.perf_counter() - started
    recorder.on_train_end()
    return {
        "first_epoch_s": epoch_seconds[0], "later_epochs_s": epoch_seconds[1:], "val_accuracy": timer.accuracy,
        "extract_s": min(record_seconds), "write_s": write_seconds,
        "snapshot_mb": sum(a.nbytes for a in activations) / 2**20,
        "peak_rss_before_training_mb": before_training, "peak_rss_after_training_mb": after_training,
        "peak_rss_after_recording_mb": peak_rss_mb(),
    }


def estimate(args) -> dict:
    from deep_bottleneck import plugins
    from deep_bottleneck.activation_file import ActivationFile
    from deep_bottleneck.mi_estimator._kde import KDEBoundEstimator

    with ActivationFile(Path(args.snapshot)) as store:
        labels = store.labels
        layers = {name: dataset[:1] for name, dataset in store.layers()}
    loaded = peak_rss_mb()
    if args.estimate == "reference":
        from kde_pair_kernel import kde_of_commit

        estimator = kde_of_commit(args.reference, Path(args.snapshot).parent).KDEBoundEstimator(args.noise, "upper")
        run = lambda activations, labels: estimator.estimate_both(activations[0], labels)  # noqa: E731
    elif args.estimate == "both":
        estimator = KDEBoundEstimator(args.noise, "upper")
        run = lambda activations, labels: estimator.estimate_both(activations[0], labels)  # noqa: E731
    else:
        width = {"binning": args.bin_width}.get(args.estimate, args.noise)
        estimator = plugins.load_plugin("estimator", f"mi_estimator.{args.estimate}", discretization_range=width)
        run = lambda activations, labels: estimator.estimate_snapshots(activations, labels)  # noqa: E731
    started = time.perf_counter()
    for activations in layers.values():  # numba loads (or compiles) its kernels
        run(activations[:, :64], labels[:64])
    first_call = time.perf_counter() - started
    seconds, results, cpu_started = {}, {}, time.process_time()
    for name, activations in layers.items():
        started = time.perf_counter()
        results[name] = run(activations, labels)
        seconds[name] = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = peak_rss_mb()  # before the float64 check, which holds blocks of 1000 x N float64 distances
    difference = None
    if args.estimate == "both" and args.check:
        import naive_estimators

        exact = {name: naive_estimators.kde_bounds_blocked(activations[0], labels, args.noise)
                 for name, activations in layers.items()}
        difference = max(abs(results[name][bound][which] - exact[name][bound][which])
                         for name in layers for bound in ("upper", "lower") for which in (0, 1))
    return {"seconds": seconds, "total_s": sum(seconds.values()), "cpu_s": cpu, "first_call_s": first_call,
            "peak_rss_mb": peak, "peak_rss_data_loaded_mb": loaded, "largest_difference": difference,
            "results": {k: str(v) for k, v in results.items()}}


def in_subprocess(arguments: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--activation", default="tanh")
    parser.add_argument("--noise", type=float, default=0.001, help="KDE noise variance s2")
    parser.add_argument("--bin-width", type=float, default=0.07)
    parser.add_argument("--t1-epochs", type=int, default=8000, help="epochs of the T1 measurement (bench/t1.py)")
    parser.add_argument("--no-check", dest="check", action="store_false",
                        help="skip the float64 evaluation of both bounds")
    parser.add_argument("--reference", help="commit whose KDE estimator (both bounds) to time on the snapshot too")
    parser.add_argument("--phase", choices=["train", "estimate"], help=argparse.SUPPRESS)
    parser.add_argument("--estimate", help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "train":
        print(json.dumps(train_and_record(args)))
        return
    if args.phase == "estimate":
        print(json.dumps(estimate(args)))
        return
    common = ["--activation", args.activation, "--noise", str(args.noise), "--bin-width", str(args.bin_width)]
    if not args.check:
        common.append("--no-check")
    from t1 import REFERENCE_T1_SECONDS, measure_t1

    t1, t1_cpu = measure_t1(args.t1_epochs)
    target = BOTH_BOUNDS_TARGET_SECONDS * t1 / REFERENCE_T1_SECONDS
    print(f"T1 = {t1:.2f} s wall, {t1_cpu:.2f} s CPU (load average {os.getloadavg()[0]:.1f}); target for both KDE "
          f"bounds on one snapshot: {BOTH_BOUNDS_TARGET_SECONDS} s x T1 / {REFERENCE_T1_SECONDS} s = {target:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        snapshot = str(Path(folder) / "snapshot.h5")
        trained = in_subprocess(["--phase", "train", "--epochs", str(args.epochs), "--snapshot", snapshot, *common])
        later = trained["later_epochs_s"]
        print(f"784-{'-'.join(map(str, ARCHITECTURE))}-10 {args.activation}, {N_TRAIN} rows, batch {BATCH_SIZE} "
              f"(generated MNIST-shaped data; load average {os.getloadavg()[0]:.1f})")
        print(f"  first epoch (compiles): {trained['first_epoch_s']:.2f} s; later epochs: "
              f"{', '.join(f'{s:.2f}' for s in later)} s; validation accuracy {trained['val_accuracy']:.3f}")
        print(f"  recording all 5 layers on {N_TEST} test rows: extract {trained['extract_s']:.2f} s, "
              f"write to HDF5 {trained['write_s']:.2f} s, {trained['snapshot_mb']:.1f} MB per snapshot")
        print(f"  peak RSS: {trained['peak_rss_before_training_mb']:.0f} MB with the data and model, "
              f"{trained['peak_rss_after_training_mb']:.0f} MB after training, "
              f"{trained['peak_rss_after_recording_mb']:.0f} MB after recording")
        for name in ("binning", "upper", "lower", "both") + (("reference",) if args.reference else ()):
            result = in_subprocess(["--phase", "estimate", "--estimate", name, "--snapshot", snapshot, *common,
                                    *(["--reference", args.reference] if args.reference else [])])
            per_layer = ", ".join(f"{layer} {s:.2f}" for layer, s in result["seconds"].items())
            label = {"both": "upper+lower, one pass", "reference": f"both bounds, {args.reference}"}.get(name, name)
            print(f"  {label:22} one snapshot: {result['total_s']:.2f} s, CPU {result['cpu_s']:.2f} s ({per_layer}; "
                  f"first call on 64 rows {result['first_call_s']:.2f} s); peak RSS {result['peak_rss_mb']:.0f} MB "
                  f"({result['peak_rss_data_loaded_mb']:.0f} MB with the snapshot loaded)")
            if name == "both":
                print(f"    = {result['total_s'] / t1:.4f} T1 wall, {result['cpu_s'] / t1_cpu:.4f} T1's CPU: "
                      f"{result['total_s'] / target:.2f} x the target by wall time, "
                      f"{result['cpu_s'] / t1_cpu * REFERENCE_T1_SECONDS / BOTH_BOUNDS_TARGET_SECONDS:.2f} x by CPU "
                      f"time" + (f"; largest difference from float64: {result['largest_difference']:.1e} bits"
                                 if result["largest_difference"] is not None else ""))


if __name__ == "__main__":
    main()
