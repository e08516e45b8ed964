"""Run every experiment config in a file or folder (recursively) on this machine.

    python run_experiments_local.py -d configs/basic.json
    python run_experiments_local.py -d configs/ -j 2 --seed 0
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deep_bottleneck.errors import DeepBottleneckError  # noqa: E402
from deep_bottleneck.experiment_batch import check_configs, find_configs, run_locally  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--path", required=True, type=Path, help="a JSON config or a folder of them")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="experiments run at the same time")
    parser.add_argument("--seed", type=int, default=None, help="seed passed to every experiment")
    args = parser.parse_args()
    try:
        configs = find_configs(args.path)
        check_configs(configs)
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    codes = run_locally(configs, args.jobs, args.seed)
    failed = [str(config) for config, code in codes.items() if code != 0]
    print(f"{len(codes) - len(failed)} of {len(codes)} experiments succeeded.")
    for config in failed:
        print(f"failed: {config}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
