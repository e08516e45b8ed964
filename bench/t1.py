"""T1, the floor that speed targets are stated against: the seconds a hand-written ``jax.jit`` loop (one step per
batch, hand-written Adam; ``bench/training_speed.py``) takes to train one canonical network (harmonics,
12-10-7-5-4-3-2 tanh, batch 256) for 8000 epochs, recording the 230 stepped snapshots. ~25 s on a quiet
development machine, ~55 s on a slow one; a target of "x seconds" in issue 17 means x * T1 / 24.5 s.

Other benches call ``measure_t1`` so that T1 is measured in the same invocation, on the same machine, as what they
time. It runs in a child process (its JAX threads are gone when the timed work starts), whose CPU time (user +
system, all threads) is reported too: on a shared machine whose load changes between two measurements, CPU times
compare better than wall times.

    python bench/t1.py [--epochs 8000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CANONICAL_EPOCHS = 8000
#: T1 on the machine where the issue's absolute targets hold.
REFERENCE_T1_SECONDS = 24.5


def measure_t1(epochs: int = CANONICAL_EPOCHS) -> tuple[float, float]:
    """Wall and CPU seconds of the hand-written loop for ``epochs`` epochs (scaled to 8000 when fewer are run; the
    compilation is scaled with them, so fewer epochs overstate T1)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, __file__, "--epochs", str(epochs), "--seconds-only"],
                          capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    scale = CANONICAL_EPOCHS / epochs
    return float(done.stdout.strip().splitlines()[-1]) * scale, cpu * scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=CANONICAL_EPOCHS,
                        help="train this many epochs and scale the time to 8000 (quicker, less exact)")
    parser.add_argument("--seconds-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.seconds_only:
        t1, t1_cpu = measure_t1(args.epochs)
        print(f"T1 = {t1:.2f} s wall, {t1_cpu:.2f} s CPU (hand-written jax.jit loop, {args.epochs} epochs"
              f"{'' if args.epochs == CANONICAL_EPOCHS else ', scaled to 8000'}); "
              f"targets scale by T1 / {REFERENCE_T1_SECONDS} s = {t1 / REFERENCE_T1_SECONDS:.2f}")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from training_speed import time_hand_written_jax

    with tempfile.TemporaryDirectory() as folder:
        print(time_hand_written_jax(args.epochs, Path(folder)))


if __name__ == "__main__":
    main()
