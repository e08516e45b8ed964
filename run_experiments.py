"""Submit every experiment config in a file or folder (recursively) to a grid engine.

    python run_experiments.py -d configs/ --scheduler sge     # qsub experiment.sge <config>
    python run_experiments.py -d configs/ --scheduler slurm   # sbatch infrastructure/grid/experiment.slurm <config>

Job output goes to ./output/ beside this script.
"""

import argparse
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.errors import DeepBottleneckError  # noqa: E402
from deep_bottleneck.experiment_batch import check_configs, find_configs, submission_command  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--path", required=True, type=Path, help="a JSON config or a folder of them")
    parser.add_argument("--scheduler", choices=["sge", "slurm"], default="sge")
    parser.add_argument("--seed", type=int, default=None, help="seed passed to every experiment")
    args = parser.parse_args()
    try:
        configs = find_configs(args.path)
        check_configs(configs)
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
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
