"""Run one experiment: ``python experiment.py with configs/foo.json epochs=20 seed=0``.

Runs are stored under ``runs/`` beside this file (or in ``$DEEP_BOTTLENECK_RUNS_DIR``).
"""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT_ROOT))

from deep_bottleneck.run_storage import default_runs_dir  # noqa: E402
from deep_bottleneck.sacred_experiment import absolute_config_paths, create_experiment  # noqa: E402

ex = create_experiment(default_runs_dir(PROJECT_ROOT))

if __name__ == "__main__":
    ex.run_commandline(absolute_config_paths(sys.argv, PROJECT_ROOT))
