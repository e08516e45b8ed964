"""Run every experiment config in a file or folder (recursively) on this machine.

    python run_experiments_local.py -d configs/basic.json
    python run_experiments_local.py -d configs/ -j 2 --seed 0
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deep_bottleneck.experiment_batch import batch_argument_parser, checked_configs_or_none, run_locally  # noqa: E402


def main() -> int:
    parser = batch_argument_parser(__doc__)
    parser.add_argument("-j", "--jobs", type=int, default=1, help="experiments run at the same time")
    args = parser.parse_args()
    configs = checked_configs_or_none(args.path)
    if configs is None:
        return 2
    codes = run_locally(configs, args.jobs, args.seed)
    failed = [str(config) for config, code in codes.items() if code != 0]
    print(f"{len(codes) - len(failed)} of {len(codes)} experiments succeeded.")
    for config in failed:
        print(f"failed: {config}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
