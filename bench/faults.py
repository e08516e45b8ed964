"""Fault injection: start experiments, end each at a random moment with a random signal, and check what is left.

Each trial runs ``experiment.py`` (a small net, one to three repetitions, in one or two processes) in a file store
of its own, waits a random time after training has begun (its first checkpoint is written), sends SIGKILL, SIGTERM
or SIGINT to the experiment process (or, for SIGINT, to its process group, as a terminal does), then checks that

- no process of the experiment is left 5 s later (its workers included),
- every JSON record (run.json, config.json, metrics.json, info.json) is valid JSON,
- the run ended marked (INTERRUPTED, FAILED, COMPLETED), or is recorded RUNNING but recognised dead, after which
  ``python -m deep_bottleneck.cli.dead_runs --mark`` marks it FAILED,
- every activation file is readable, or is called damaged when read,
- ``reestimate --dead-ok`` works on the run when it recorded a snapshot,
- a run that did not complete is resumed (``python experiment.py resume 1``), completes, and ends with exactly the
  metrics, information measures and activations of the same experiment run without a stop (run after it).

    python bench/faults.py [--trials 8] [--seed 0] [--max-wait 20] [--no-resume]

Prints one line per trial and the counts. Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.activation_file import ActivationFile  # noqa: E402
from deep_bottleneck.errors import DamagedFileError  # noqa: E402
from deep_bottleneck.store.run_folder import RunFolder  # noqa: E402
from deep_bottleneck.store.run_liveness import dead_reason  # noqa: E402
from tests.processes import alive, descendants  # noqa: E402

RECORDS = ("run.json", "config.json", "metrics.json", "info.json")
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)


def python_command(module: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", module, *arguments]


def differences(resumed: Path, uninterrupted: Path) -> list[str]:
    """What differs between two run folders' metrics, information measures and activation files (empty: nothing)."""
    found = []
    metrics = [{name: (v["steps"], v["values"]) for name, v in json.loads((f / "metrics.json").read_text()).items()}
               for f in (resumed, uninterrupted)]
    if metrics[0] != metrics[1]:
        found.append("metrics differ")
    measures = [pd.read_csv(f / "information_measures.csv") for f in (resumed, uninterrupted)]
    if not measures[0].equals(measures[1]):
        found.append("information measures differ")
    for path in RunFolder(uninterrupted).activation_files():
        with ActivationFile(path) as b, ActivationFile(resumed / "activations" / path.name) as a:
            if not np.array_equal(a.epochs, b.epochs) or any(
                    not np.array_equal(a.layer(name)[:], b.layer(name)[:]) for name in b.layer_names):
                found.append(f"activations/{path.name} differs")
    return found


def resume_and_compare(arguments: list[str], runs: Path, environment: dict, counts: Counter) -> list[str]:
    """Resume run 1 of ``runs``, run the experiment again without a stop, compare; the list of failed checks."""
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "experiment.py"), "resume", "1"], env=environment,
                          capture_output=True, text=True)
    status = json.loads(RunFolder(runs / "1").record("run.json").read_text()).get("status")
    if done.returncode != 0 or status != "COMPLETED":
        counts["resume failed"] += 1
        return [f"resume ended {done.returncode} with status {status}: {done.stderr.strip().splitlines()[-1:]}"]
    counts["resumed to COMPLETED"] += 1
    reference = runs.parent / "uninterrupted"
    subprocess.run([sys.executable, str(PROJECT_ROOT / "experiment.py"), *arguments],
                   env={**environment, "DEEP_BOTTLENECK_RUNS_DIR": str(reference)}, capture_output=True, check=True)
    found = differences(runs / "1", reference / "1")
    counts["resumed equal to the uninterrupted run" if not found else "resumed but numbers differ"] += 1
    return found


def trial(index: int, chance: random.Random, max_wait: float, workdir: Path, counts: Counter,
          resume: bool = True) -> list[str]:
    """One trial; the list of failed checks."""
    runs = workdir / f"trial_{index}" / "runs"
    n_runs = chance.choice([1, 2, 3])
    parallel = chance.choice([1, 2]) if n_runs > 1 else 1
    ending = chance.choice(SIGNALS)
    wait = chance.uniform(0, max_wait)
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_RUNS_DIR": str(runs)}
    arguments = ["with", "epochs=300", "architecture=[6,4]", f"n_runs={n_runs}", f"parallel_runs={parallel}",
                 f"seed={index}"]
    process = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "experiment.py"), *arguments],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    # The random moment falls after training has begun (its first checkpoint, after the first epoch, exists).
    while not list((runs / "1").glob("checkpoints/*.npz")) and process.poll() is None:
        time.sleep(0.2)
    time.sleep(wait)
    tree = descendants(process.pid) | {process.pid}
    if process.poll() is None:
        if ending == signal.SIGINT:
            os.killpg(process.pid, ending)
        else:
            process.send_signal(ending)
        counts[f"ended by {ending.name}"] += 1
    else:
        counts["finished before the signal"] += 1
    process.communicate()
    deadline = time.monotonic() + 5
    while alive(tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    failed = []
    if alive(tree):
        failed.append(f"{len(alive(tree))} process(es) left after 5 s")
        counts["orphans"] += 1
    folder = RunFolder(runs / "1")
    for name in RECORDS:
        path = folder.record(name)
        if path.exists():
            try:
                json.loads(path.read_text())
                counts["records readable"] += 1
            except ValueError:
                failed.append(f"{name} is not valid JSON")
                counts["records cut"] += 1
    run = json.loads(folder.record("run.json").read_text()) if folder.has_run() else {}
    status = run.get("status")
    if status == "RUNNING":
        reason = dead_reason(run)
        if reason is None:
            failed.append("recorded RUNNING and not recognised dead")
        else:
            counts["recognised dead"] += 1
            subprocess.run(python_command("deep_bottleneck.cli.dead_runs", "--runs-dir", str(runs), "--mark"),
                           env=environment, capture_output=True, text=True)
            status = json.loads(folder.record("run.json").read_text()).get("status")
            counts["marked FAILED by dead_runs"] += status == "FAILED"
    counts[f"status {status}"] += 1
    snapshots = 0
    for path in folder.activation_files():
        try:
            with ActivationFile(path) as stored:
                snapshots += len(stored.epochs)
            counts["activation files readable"] += 1
        except DamagedFileError:
            counts["activation files called damaged"] += 1
    if snapshots:
        done = subprocess.run(python_command("deep_bottleneck.cli.reestimate", "1", "--estimator",
                                             "mi_estimator.upper", "--dead-ok", "--runs-dir", str(runs)),
                              env=environment, capture_output=True, text=True)
        if done.returncode == 0:
            counts["re-estimated from the recorded snapshots"] += 1
        elif "damaged" in done.stderr and "Traceback" not in done.stderr:
            counts["re-estimation refused: damaged file"] += 1
        else:
            failed.append(f"reestimate failed: {done.stderr.strip().splitlines()[-1:]}")
    if resume and folder.has_run() and status != "COMPLETED":
        failed += resume_and_compare(arguments, runs, environment, counts)
    elif folder.has_run():
        counts["readable, nothing to resume (COMPLETED)" if status == "COMPLETED" else "not resumed"] += 1
    else:
        counts["no run recorded (ended before it took an id)"] += 1
    print(f"trial {index}: n_runs={n_runs} parallel_runs={parallel} {ending.name} after {wait:.1f} s -> "
          f"{status}, {snapshots} snapshot(s)" + (f"; FAILED: {'; '.join(failed)}" if failed else ""), flush=True)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-wait", type=float, default=20.0, help="longest wait after training began, seconds")
    parser.add_argument("--no-resume", action="store_true", help="do not resume the runs that did not complete")
    args = parser.parse_args()
    chance = random.Random(args.seed)
    counts: Counter = Counter()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="faults-") as workdir:
        for index in range(args.trials):
            failures += bool(trial(index, chance, args.max_wait, Path(workdir), counts, not args.no_resume))
    print(f"\n{args.trials} trials, {failures} with a failed check")
    for what, count in sorted(counts.items()):
        print(f"  {what}: {count}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
