"""A study: the canonical Tishby experiment with many repetitions, through the command users type, in units of T1.

    .venv/bin/python bench/study.py                       # 50 repetitions, binning + KDE upper + KDE lower + planes
    .venv/bin/python bench/study.py --runs 5 --reference e4be018   # also check every measure against that commit
    .venv/bin/python bench/study.py --weights-only        # weights, not activations, and sparse metrics: megabytes
    .venv/bin/python bench/study.py --runs 5 --epochs 400 --t1-epochs 400   # a quick look, ratios to T1 at 400 epochs
    .venv/bin/python bench/study.py --parallel-runs 1     # one worker process for all (bench/gpu_study.py on a GPU)

First measures T1: the hand-written ``jax.jit`` loop of ``bench/training_speed.py`` training one canonical network
(one step per batch, activations written at the stepped schedule) for ``--t1-epochs`` (8000) epochs, in this
invocation. Then runs ``experiment.py with configs/tishby.json n_runs=N`` in a fresh file store and prints the
wall time, the peak memory of the whole process tree, the disk the run folder takes, the split the run recorded
between training, estimation and plotting, and each as a ratio to T1. Shared machines vary ~2x from day to day, so
the ratios are what compare across days. It says whether the experiment finds its compiled programs in the
compilation cache (``DEEP_BOTTLENECK_COMPILATION_CACHE=off`` to measure without it).

With ``--reference COMMIT`` the same seeds are also run by the code of COMMIT (``bench/tishby.py``'s comparison):
every (estimator, run, epoch, layer) measure must agree within 1e-4 bits.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

import pandas as pd

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from tishby import CONFIG, PROJECT_ROOT, compare_with_reference, run_experiment  # noqa: E402


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def disk_by_part(run_dir: Path) -> str:
    """The run folder's bytes by what holds them: activation files, metrics, measures, the rest."""
    parts = {"activation files": folder_bytes(run_dir / "activations"),
             "metrics.json": (run_dir / "metrics.json").stat().st_size,
             "information_measures.csv": (run_dir / "information_measures.csv").stat().st_size}
    parts["the rest"] = folder_bytes(run_dir) - sum(parts.values())
    return ", ".join(f"{name} {size / 2**20:.1f}" for name, size in parts.items())


def children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children and the descendants they waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_t1(epochs: int) -> float:
    """T1 in a child process (its JAX does not share this process's memory or threads with the experiment)."""
    import subprocess

    code = ("import sys, tempfile; from pathlib import Path; sys.path.insert(0, %r); import training_speed; "
            "folder = tempfile.mkdtemp(); print(training_speed.time_hand_written_jax(%d, Path(folder)))"
            % (str(BENCH), epochs))
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"T1 failed:\n{done.stderr[-4000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def compilation_cache_state() -> str:
    """Where the experiment's compiled programs come from: the cache folder and how many it holds already."""
    from deep_bottleneck.compilation_cache import cache_folder

    folder = cache_folder()
    if folder is None:
        return "off (every process compiles its programs)"
    held = len(list(folder.glob("*-cache"))) if folder.is_dir() else 0
    return f"{folder}, {held} programs held before the run" + (" (empty: compiled anew)" if not held else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="repetitions (seeds 0 .. runs-1)")
    parser.add_argument("--epochs", type=int, default=None, help="override the experiment's 8000 epochs")
    parser.add_argument("--t1-epochs", type=int, default=8000, help="epochs of the T1 loop (8000 defines T1)")
    parser.add_argument("--weights-only", action="store_true",
                        help="store_activations=false repetition_metrics=snapshot_epochs (a study's lean storage)")
    parser.add_argument("--one-at-a-time", action="store_true", help="batched_repetitions=false (the old path)")
    parser.add_argument("--reference", metavar="COMMIT", help="compare every measure with this commit's code")
    parser.add_argument("--parallel-runs", type=int, default=None,
                        help="parallel_runs (worker processes; default one per core)")
    args = parser.parse_args()

    epochs = args.epochs or 8000
    t1 = measure_t1(args.t1_epochs) * epochs / args.t1_epochs
    note = "" if args.t1_epochs == epochs else f" (measured over {args.t1_epochs} epochs, scaled)"
    name = "T1" if epochs == 8000 else f"T1 at {epochs} epochs"
    print(f"{name} (hand-written jax.jit loop, one canonical network, {epochs} epochs){note}: {t1:.1f} s; "
          f"the ratios below are to it")
    overrides = [f"n_runs={args.runs}"] + ([f"epochs={args.epochs}"] if args.epochs else [])
    overrides += ["store_activations=False", "repetition_metrics=snapshot_epochs"] if args.weights_only else []
    overrides += ["batched_repetitions=False"] if args.one_at_a_time else []
    overrides += [f"parallel_runs={args.parallel_runs}"] if args.parallel_runs else []
    print(f"compilation cache: {compilation_cache_state()}")
    with tempfile.TemporaryDirectory(prefix="study-") as workdir:
        workdir = Path(workdir)
        cpu_before = children_cpu_seconds()
        wall, peak, run_dir = run_experiment(PROJECT_ROOT, workdir / "runs", [str(CONFIG), *overrides])
        cpu = children_cpu_seconds() - cpu_before
        disk = folder_bytes(run_dir)
        seconds = json.loads((run_dir / "run.json").read_text())["result"]["seconds"]
        measures = pd.read_csv(run_dir / "information_measures.csv")
        runs = range(args.runs)
        training = max(seconds[f"run_{run}.training"] for run in runs)
        estimation = sum(seconds[f"run_{run}.estimation"] for run in runs)
        after = max(seconds[f"run_{run}.estimation_after_training"] for run in runs)
        print(f"study: {args.runs} repetitions of configs/tishby.json, {measures['epoch'].nunique()} snapshots, "
              f"estimators {', '.join(measures['estimator'].unique())}"
              f"{', weights only' if args.weights_only else ''}{', one at a time' if args.one_at_a_time else ''}")
        print(f"wall time (command line, start to end): {wall:.1f} s = {wall / t1:.2f} T1")
        print(f"CPU time (process tree, user + system): {cpu:.1f} s, {cpu / wall:.2f} cores busy on average")
        print(f"peak memory (process tree): {peak / 2**30:.2f} GiB")
        print(f"disk written (run folder): {disk / 2**20:.1f} MiB ({disk / 2**20 / args.runs:.2f} MiB per repetition)")
        print(f"  by part (MiB): {disk_by_part(run_dir)}")
        print(f"repetitions (training with estimation alongside): {seconds['repetitions']:.1f} s = "
              f"{seconds['repetitions'] / t1:.2f} T1")
        print(f"  training (longest worker): {training:.1f} s = {training / t1:.2f} T1")
        print(f"  estimation (busy time summed over repetitions, mostly during training): {estimation:.1f} s; "
              f"left after training: {after:.1f} s = {after / t1:.2f} T1")
        print(f"plotting: {seconds['plotting']:.1f} s = {seconds['plotting'] / t1:.2f} T1")
        if args.reference:
            return compare_with_reference(measures, args.reference, args.runs, args.epochs, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
