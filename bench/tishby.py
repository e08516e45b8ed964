"""The canonical Tishby experiment end to end, through the command users type.

    .venv/bin/python bench/tishby.py --runs 1          # one seed: binning + KDE upper + KDE lower
    .venv/bin/python bench/tishby.py --runs 5
    .venv/bin/python bench/tishby.py --runs 1 --reference e4be018   # also check the numbers against that commit

Runs ``experiment.py with configs/tishby.json n_runs=N`` (harmonics, MI on all 4096 rows, [10,7,5,4,3]
tanh, Adam 4e-4, batch 256, 8000 epochs, 230 snapshots, three estimators) in a fresh file store, and
prints the wall time, the peak memory of the whole process tree (sampled from /proc every 0.1 s), and
the split the run itself recorded between training, estimation and plotting.

With ``--reference COMMIT`` the same seeds are also run by the code of COMMIT (a git worktree), one
estimator per run and one repetition at a time as that code does, and every (estimator, run, epoch,
layer) measure of the two is compared: the largest difference is printed and must stay below 1e-4 bits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT_ROOT / "configs" / "tishby.json"
TOLERANCE_BITS = 1e-4


def process_tree_rss(root: int) -> int:
    """Resident memory in bytes of ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    return sum(rss.get(pid, 0) for pid in tree)


def run_measured(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run ``command``; return wall seconds, peak memory of its process tree, and the finished process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], process_tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    return wall, peak[0], subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def run_experiment(project: Path, runs_dir: Path, arguments: list[str]) -> tuple[float, int, Path]:
    env = {**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(runs_dir)}
    env.pop("DEEP_BOTTLENECK_MONGO_URL", None)
    command = [sys.executable, str(project / "experiment.py"), "with", *arguments]
    wall, peak, done = run_measured(command, runs_dir.parent, env)
    if done.returncode != 0:
        sys.exit(f"experiment failed:\n{done.stderr[-4000:]}")
    run_dir = max((p for p in runs_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    return wall, peak, run_dir


def reference_measures(commit: str, config: dict, workdir: Path) -> pd.DataFrame:
    """Measures of COMMIT's code for ``config``: one estimator per experiment, as that code runs them."""
    worktree = workdir / "reference"
    subprocess.run(["git", "-C", str(PROJECT_ROOT), "worktree", "add", "--detach", str(worktree), commit],
                   check=True, capture_output=True)
    try:
        frames = []
        for name, arguments in config["estimators"]:
            single = {key: value for key, value in config.items() if key != "estimators"}
            single |= {"estimator": name, "discretization_range": arguments["discretization_range"]}
            path = workdir / f"reference_{name.rsplit('.', 1)[-1]}.json"
            path.write_text(json.dumps(single))
            wall, _, run_dir = run_experiment(worktree, workdir / "reference_runs", [str(path)])
            print(f"reference {name}: {wall:.1f} s")
            measures = pd.read_csv(run_dir / "information_measures.csv")
            frames.append(measures.assign(estimator=name.rsplit(".", 1)[-1]))
        return pd.concat(frames, ignore_index=True)
    finally:
        subprocess.run(["git", "-C", str(PROJECT_ROOT), "worktree", "remove", "--force", str(worktree)],
                       capture_output=True)


def differences(measures: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Each (estimator, run, epoch, layer) with the larger of its |I(X;T)| and |I(T;Y)| differences, in bits."""
    keys = ["estimator", "run", "epoch", "layer"]
    joined = measures.merge(reference, on=keys, suffixes=("", "_reference"), validate="one_to_one")
    if len(joined) != len(reference) or len(joined) != len(measures):
        sys.exit(f"the two runs measured different rows: {len(measures)} vs {len(reference)}")
    difference = np.maximum((joined["MI_XM"] - joined["MI_XM_reference"]).abs(),
                            (joined["MI_YM"] - joined["MI_YM_reference"]).abs())
    return joined[keys].assign(difference=difference)


def compare_with_reference(measures: pd.DataFrame, reference: str, runs: int, epochs: int | None,
                           workdir: Path) -> int:
    """Print the largest difference of ``measures`` from the same config at commit ``reference``; 0 when within
    ``TOLERANCE_BITS``, else 1."""
    config = json.loads(CONFIG.read_text()) | {"n_runs": runs}
    config |= {"epochs": epochs} if epochs else {}
    each = differences(measures, reference_measures(reference, config, workdir))
    difference = float(each["difference"].max())
    print(f"largest difference from {reference}: {difference:.2e} bits "
          f"({'within' if difference < TOLERANCE_BITS else 'ABOVE'} {TOLERANCE_BITS:g}), at "
          f"{each.loc[each['difference'].idxmax(), ['estimator', 'run', 'epoch', 'layer']].to_dict()}")
    by_epoch = each.groupby("epoch")["difference"].max()
    above = by_epoch[by_epoch >= TOLERANCE_BITS]
    print(f"  first epoch above {TOLERANCE_BITS:g}: {above.index.min() if len(above) else 'none'}; largest "
          f"difference up to epoch 100: {by_epoch[by_epoch.index <= 100].max():.2e} bits")
    return 0 if difference < TOLERANCE_BITS else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="repetitions (seeds 0 .. runs-1)")
    parser.add_argument("--epochs", type=int, default=None, help="override the 8000 epochs (for a quick look)")
    parser.add_argument("--reference", metavar="COMMIT", help="compare every measure with this commit's code")
    args = parser.parse_args()
    overrides = [f"n_runs={args.runs}"] + ([f"epochs={args.epochs}"] if args.epochs else [])
    with tempfile.TemporaryDirectory(prefix="tishby-") as workdir:
        workdir = Path(workdir)
        wall, peak, run_dir = run_experiment(PROJECT_ROOT, workdir / "runs", [str(CONFIG), *overrides])
        seconds = json.loads((run_dir / "run.json").read_text())["result"]["seconds"]
        measures = pd.read_csv(run_dir / "information_measures.csv")
        print(f"canonical Tishby experiment, {args.runs} run(s), {measures['epoch'].nunique()} snapshots, "
              f"estimators {', '.join(measures['estimator'].unique())}")
        print(f"wall time (command line, start to end): {wall:.1f} s")
        print(f"peak memory (process tree): {peak / 2**30:.2f} GiB")
        print(f"repetitions (training + estimation, in parallel workers when runs > 1): "
              f"{seconds['repetitions']:.1f} s; plotting: {seconds['plotting']:.1f} s")
        for run in range(args.runs):
            print(f"  run {run}: training {seconds[f'run_{run}.training']:.1f} s, estimation "
                  f"{seconds[f'run_{run}.estimation']:.1f} s (of it after training: "
                  f"{seconds[f'run_{run}.estimation_after_training']:.1f} s)")
        if args.reference:
            return compare_with_reference(measures, args.reference, args.runs, args.epochs, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
