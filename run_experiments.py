"""Submit every experiment config in a file or folder (recursively) to a grid engine.

    python run_experiments.py -d configs/ --scheduler sge     # qsub experiment.sge <config>
    python run_experiments.py -d configs/ --scheduler slurm   # sbatch infrastructure/grid/experiment.slurm <config>

The jobs do not depend on the folder this is called from: each is told this project's folder, this
Python interpreter, the config's absolute path and $DEEP_BOTTLENECK_RUNS_DIR (if set), and writes its
output to ./output/ beside this script (or to --output).
"""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.experiment_batch import batch_argument_parser, checked_configs_or_none, submission_command  # noqa: E402


def main() -> int:
    """Submit the configs; 0 if all were submitted, 1 if a submission failed, 2 on bad input."""
    parser = batch_argument_parser(__doc__)
    parser.add_argument("--scheduler", choices=["sge", "slurm"], default="sge")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "output",
                        help="folder for the jobs' stdout and stderr (default: output/ beside this script)")
    args = parser.parse_args()
    configs = checked_configs_or_none(args.path)
    if configs is None:
        return 2
    output_dir = args.output.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    for config in configs:
        try:
            command = submission_command(args.scheduler, config, args.seed, output_dir, python=sys.executable)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        try:
            job = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
        except FileNotFoundError:
            print(f"error: {command[0]!r} not found: is the {args.scheduler} client installed?", file=sys.stderr)
            return 2
        except subprocess.CalledProcessError as exc:
            print(f"error: submitting {config} failed: {exc.stderr.strip()}", file=sys.stderr)
            return 1
        print(f"submitted {config} as job {job}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
