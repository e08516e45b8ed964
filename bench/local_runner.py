"""Wall time of run_experiments_local.py on 4 short configs (a grid), one at a time and two at a time.

Each setting runs the grid from scratch into a file store of its own (so nothing is skipped), through the command
line users type; the experiments' own run times are read from the stored runs.

    python bench/local_runner.py [--epochs 300] [--jobs 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GRID = {"architecture": [10, 7, 5, 4, 3], "n_runs": 1, "seed": 0,
        "grid": {"activation_fn": ["tanh", "relu"], "learning_rate": [0.0004, 0.001]}}


def run_batch(folder: Path, jobs: int) -> tuple[float, list[float]]:
    """Wall time of the batch, and each stored run's own duration (seconds)."""
    runs = folder / f"runs-j{jobs}"
    start = time.perf_counter()
    command = [sys.executable, str(PROJECT_ROOT / "run_experiments_local.py"), "-d", str(folder / "grid.json"),
               "-j", str(jobs), "--output", str(folder / "output")]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"-j {jobs} failed:\n{done.stdout}\n{done.stderr}")
    durations = []
    for run in runs.iterdir():
        if run.name.isdigit():
            info = json.loads((run / "run.json").read_text())
            durations.append(sum(info["result"]["seconds"].values()))
    return wall, durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; 4 configs of Tishby's net, {args.epochs} epochs each")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "grid.json").write_text(json.dumps({**GRID, "epochs": args.epochs}))
        walls = {}
        for jobs in args.jobs:
            walls[jobs], durations = run_batch(folder, jobs)
            print(f"-j {jobs}: wall {walls[jobs]:.1f} s; pipeline time per run (training, estimation, plots) "
                  f"{min(durations):.1f}-{max(durations):.1f} s", flush=True)
        first = args.jobs[0]
        for jobs in args.jobs[1:]:
            print(f"-j {jobs} / -j {first} wall time: {walls[jobs] / walls[first]:.2f}")


if __name__ == "__main__":
    main()
