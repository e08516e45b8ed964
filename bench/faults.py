"""Fault injection: start experiments, end each at a random moment with a random signal, and check what is left.

Each trial runs ``experiment.py`` (a small net, one or two repetitions, in one or two processes) in a file store of
its own, waits a random time after training has begun, sends SIGKILL, SIGTERM or SIGINT to the experiment process
(or, for SIGINT, to its process group, as a terminal does), then checks that

- no process of the experiment is left 5 s later (its workers included),
- every JSON record (run.json, config.json, metrics.json, info.json) is valid JSON,
- the run ended marked (INTERRUPTED, FAILED, COMPLETED), or is recorded RUNNING but recognised dead, after which
  ``python -m deep_bottleneck.cli.dead_runs --mark`` marks it FAILED,
- every activation file is readable, or is called damaged when read,
- ``reestimate --dead-ok`` works on the run when it recorded a snapshot.

    python bench/faults.py [--trials 8] [--seed 0] [--max-wait 20]

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

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.activation_file import ActivationFile  # noqa: E402
from deep_bottleneck.errors import DamagedFileError  # noqa: E402
from deep_bottleneck.store.run_folder import RunFolder  # noqa: E402
from deep_bottleneck.store.run_liveness import dead_reason  # noqa: E402

RECORDS = ("run.json", "config.json", "metrics.json", "info.json")
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)


def descendants(pid: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    below, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return below


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2:].split()[0] != "Z":
            living.add(pid)
    return living


def python_command(module: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", module, *arguments]


def trial(index: int, chance: random.Random, max_wait: float, workdir: Path, counts: Counter) -> list[str]:
    """One trial; the list of failed checks."""
    runs = workdir / f"trial_{index}" / "runs"
    n_runs = chance.choice([1, 2])
    parallel = chance.choice([1, 2]) if n_runs == 2 else 1
    ending = chance.choice(SIGNALS)
    wait = chance.uniform(0, max_wait)
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_RUNS_DIR": str(runs)}
    process = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "experiment.py"), "with", "epochs=300", "architecture=[6,4]",
         f"n_runs={n_runs}", f"parallel_runs={parallel}", f"seed={index}"],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    # The random moment falls after training has begun (its first activation file exists).
    while not list((runs / "1").glob("activations/run_*.h5")) and process.poll() is None:
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
    print(f"trial {index}: n_runs={n_runs} parallel_runs={parallel} {ending.name} after {wait:.1f} s -> "
          f"{status}, {snapshots} snapshot(s)" + (f"; FAILED: {'; '.join(failed)}" if failed else ""), flush=True)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-wait", type=float, default=20.0, help="longest wait after training began, seconds")
    args = parser.parse_args()
    chance = random.Random(args.seed)
    counts: Counter = Counter()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="faults-") as workdir:
        for index in range(args.trials):
            failures += bool(trial(index, chance, args.max_wait, Path(workdir), counts))
    print(f"\n{args.trials} trials, {failures} with a failed check")
    for what, count in sorted(counts.items()):
        print(f"  {what}: {count}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
