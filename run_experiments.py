"""Submit every experiment config in a file or folder (recursively; grids expanded) to a batch scheduler.

    python run_experiments.py -d configs/ --scheduler sge     # qsub experiment.sge <config>
    python run_experiments.py -d configs/ --scheduler slurm   # sbatch infrastructure/grid/experiment.slurm <config>
    python run_experiments.py -d configs/grids/cohort_activation_functions.json --scheduler slurm --wait
    python run_experiments.py -d configs/ --scheduler slurm with epochs=20   # updates for every config

One job per config; their ids are printed. Configs with a completed run in the store are skipped (--force
submits them again). The jobs do not depend on the folder this is called from: each is told this project's
folder, this Python interpreter, the config's absolute path and $DEEP_BOTTLENECK_RUNS_DIR (if set), and
writes its output to ./output/ beside this script (or to --output). The runs go to the store the jobs share:
the file store on a shared path ($DEEP_BOTTLENECK_RUNS_DIR) or MongoDB ($DEEP_BOTTLENECK_MONGO_URL).
With --wait, waits for the jobs and prints each one's exit status.
Exit status: 0 if every job was submitted (and with --wait, ended with 0), 1 otherwise, 2 on bad input.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deep_bottleneck.errors import DeepBottleneckError  # noqa: E402
from deep_bottleneck.batch.experiment_batch import (  # noqa: E402
    batch_argument_parser, parse_batch_command_line, plan_batch, report_plan,
)
from deep_bottleneck.batch.scheduler_jobs import (  # noqa: E402
    SCHEDULERS, SchedulerError, submission_command, submit, wait_for_jobs,
)


def main() -> int:
    """Submit the configs; see the exit statuses above."""
    parser = batch_argument_parser(__doc__)
    parser.add_argument("--scheduler", choices=SCHEDULERS, default="sge")
    parser.add_argument("--wait", action="store_true", help="wait for the jobs and report their exit statuses")
    try:
        args, updates = parse_batch_command_line(parser, sys.argv[1:])
        planned = plan_batch(args.path, args.seed, args.force, updates=updates)
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report_plan(planned)
    output_dir = args.output.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    jobs = {}
    for item in planned:
        if not item.runnable:
            continue
        config_file = item.config.config_file(output_dir / "grid-configs")
        try:
            command = submission_command(args.scheduler, config_file, args.seed, output_dir, python=sys.executable,
                                         updates=updates)
            job_id = submit(command)
        except (ValueError, SchedulerError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2 if not jobs else 1
        jobs[job_id] = item.name
        print(f"submitted {item.name} ({config_file}) as job {job_id}", flush=True)
    failed = any(not item.runnable and item.error is not None for item in planned)
    if args.wait and jobs:
        statuses = wait_for_jobs(args.scheduler, jobs)
        failed = failed or any(status.exit_status != 0 for status in statuses.values())
        print(f"{sum(status.exit_status == 0 for status in statuses.values())} of {len(jobs)} jobs ended with exit "
              f"status 0.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
