"""Run one experiment: ``python experiment.py with configs/foo.json epochs=20 seed=0``.

Runs are stored under ``runs/`` beside this file (or in ``$DEEP_BOTTLENECK_RUNS_DIR``), and in
MongoDB too with ``--mongo_url URL`` (or ``$DEEP_BOTTLENECK_MONGO_URL``). ``--help`` lists the options.
"""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.cli.experiment import main  # noqa: E402
from deep_bottleneck.stop_request import INTERRUPTED_STATUS, exit_now  # noqa: E402

if __name__ == "__main__":
    status = main(sys.argv, PROJECT_ROOT)
    if status == INTERRUPTED_STATUS:
        exit_now(status)
    sys.exit(status)
