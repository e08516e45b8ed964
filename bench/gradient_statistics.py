"""What recording gradient statistics (plotter.snr) costs training on the JAX fast path.

    .venv/bin/python bench/gradient_statistics.py [--epochs 2000]

Tishby's net (12-10-7-5-4-3-2, tanh, Adam 4e-4, batch 256) on the 3277 harmonics training rows, all layers'
activations on the 4096 rows recorded at the stepped schedule, trained twice: without and with the gradient
statistics recorder at the snapshot epochs. Prints the median wall time of snapshot epochs and of the other
epochs in each case (each epoch's time is taken from one epoch end to the next), and the total.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import deep_bottleneck  # noqa: E402,F401  (sets KERAS_BACKEND=jax)
import keras  # noqa: E402
import numpy as np  # noqa: E402

from deep_bottleneck.run.activation_recorder import ActivationRecorder  # noqa: E402
from deep_bottleneck.run.gradient_statistics import GradientStatisticsRecorder  # noqa: E402
from deep_bottleneck.data_split import construct_full_dataset  # noqa: E402
from deep_bottleneck.datasets import harmonics  # noqa: E402
from deep_bottleneck.models import feedforward  # noqa: E402
from deep_bottleneck.snapshot_schedule import stepped_epochs  # noqa: E402
from deep_bottleneck.training import train  # noqa: E402


class EpochClock(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.ends: list[float] = []

    def on_train_begin(self, logs=None) -> None:
        self.ends = [time.perf_counter()]

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.ends.append(time.perf_counter())


def timed_training(epochs: int, folder: Path, with_gradients: bool) -> tuple[np.ndarray, float]:
    training, test = harmonics.load()
    keras.utils.set_random_seed(0)
    model = feedforward.load([10, 7, 5, 4, 3], "tanh", "adam", 4e-4, 12, 2)
    snapshots = stepped_epochs(epochs)
    clock = EpochClock()
    callbacks = [ActivationRecorder(construct_full_dataset(training, test), "full_dataset", snapshots,
                                    folder / f"activations_{with_gradients}.h5")]
    if with_gradients:
        callbacks.append(GradientStatisticsRecorder(snapshots, folder / "gradients.csv"))
    callbacks.append(clock)
    started = time.perf_counter()
    train(model, training, test, epochs, 256, callbacks, seed=0)
    return np.diff(clock.ends), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2000)
    args = parser.parse_args()
    snapshot = np.isin(np.arange(args.epochs), stepped_epochs(args.epochs))
    print(f"epochs={args.epochs} snapshots={snapshot.sum()}")
    with tempfile.TemporaryDirectory() as folder:
        for with_gradients in (False, True):
            durations, total = timed_training(args.epochs, Path(folder), with_gradients)
            # The first epoch of each program includes its compilation.
            first_snapshot, first_other = 0, int(np.flatnonzero(~snapshot)[0])
            keep = np.ones(args.epochs, bool)
            keep[[first_snapshot, first_other]] = False
            print(f"{'with' if with_gradients else 'without'} gradient statistics: total {total:6.2f} s; median "
                  f"snapshot epoch {np.median(durations[snapshot & keep]) * 1e3:6.2f} ms, median other epoch "
                  f"{np.median(durations[~snapshot & keep]) * 1e3:6.2f} ms")


if __name__ == "__main__":
    main()
