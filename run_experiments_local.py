"""Run every experiment config in a file or folder (recursively; grids expanded) on this machine.

    python run_experiments_local.py -d configs/basic.json
    python run_experiments_local.py -d configs/ -j 2 --seed 0
    python run_experiments_local.py -d configs/grids/cohort_activation_functions.json with epochs=20 n_runs=2

Config updates after 'with' (key=value, as experiment.py takes them) are given to every config.
Configs with a completed run in the store are skipped (--force runs them again). Each experiment's output goes
to output/local-<time>-<pid>/<name>.log; a summary follows at the end. Ctrl-C stops the batch: running
experiments are stored as INTERRUPTED, finished ones stay as they are.
Exit status: 0 if every config completed or was skipped, 1 if any failed or was invalid, 130 if interrupted.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deep_bottleneck.errors import DeepBottleneckError  # noqa: E402
from deep_bottleneck.batch.experiment_batch import (  # noqa: E402
    batch_argument_parser, parse_batch_command_line, plan_batch, report_plan,
)
from deep_bottleneck.batch.local_runner import LocalBatch, summary  # noqa: E402
from deep_bottleneck.store.file_store import default_runs_dir


def positive_jobs(text: str) -> int:
    """``-j``: a whole number of at least 1."""
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give 1 or more, e.g. -j 2") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{jobs} experiments at a time cannot run; give 1 or more, e.g. -j 1")
    return jobs


def main() -> int:
    parser = batch_argument_parser(__doc__)
    parser.add_argument("-j", "--jobs", type=positive_jobs, default=1, help="experiments run at the same time")
    try:
        args, updates = parse_batch_command_line(parser, sys.argv[1:])
        planned = plan_batch(args.path, args.seed, args.force, updates=updates)
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report_plan(planned)
    outcomes = LocalBatch(args.jobs, args.seed, args.output, updates=updates).run(planned)
    print(summary(outcomes, default_runs_dir()))
    if any(outcome.status in ("interrupted", "not-started") for outcome in outcomes):
        return 130
    return 1 if any(outcome.status in ("failed", "invalid") for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
