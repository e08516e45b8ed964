"""Run one experiment: ``python experiment.py with configs/foo.json epochs=20 seed=0``.

Runs are stored under ``runs/`` beside this file (or in ``$DEEP_BOTTLENECK_RUNS_DIR``), and in
MongoDB too with ``--mongo_url URL`` (or ``$DEEP_BOTTLENECK_MONGO_URL``). ``--help`` lists the options.
"""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.cli.experiment import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv, PROJECT_ROOT))
