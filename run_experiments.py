"""Submit every experiment config in a file or folder (recursively) to a grid engine.

    python run_experiments.py -d configs/ --scheduler sge     # qsub experiment.sge <config>
    python run_experiments.py -d configs/ --scheduler slurm   # sbatch infrastructure/grid/experiment.slurm <config>

Job output goes to ./output/ beside this script.
"""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.experiment_batch import batch_argument_parser, checked_configs_or_none, submission_command  # noqa: E402


def main() -> int:
    parser = batch_argument_parser(__doc__)
    parser.add_argument("--scheduler", choices=["sge", "slurm"], default="sge")
    args = parser.parse_args()
    configs = checked_configs_or_none(args.path)
    if configs is None:
        return 2
    output_dir = PROJECT_ROOT / "output"
    output_dir.mkdir(exist_ok=True)
    for config in configs:
        command = submission_command(args.scheduler, config, args.seed, output_dir)
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
