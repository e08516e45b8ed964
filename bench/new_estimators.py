"""A harmonics run with the estimators of issue #12 (EDGE, KSG, autoregressive) and their cost per snapshot.

Runs Tishby's net (12-10-7-5-4-3-2, tanh, Adam 4e-4, batch 256) on the harmonics data through
``experiment.py`` with the three estimators in one run (log schedule: 28 snapshots in 2000 epochs;
the autoregressive models at 6 of them), copies the information planes to ``docs/images/``, then times each
estimator alone on the run's recorded activations: seconds per snapshot of all 6 layers (4096 rows).

    python bench/new_estimators.py [--epochs 2000] [--runs-dir /tmp/bench-runs]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deep_bottleneck.activation_file import ActivationFile  # noqa: E402
from deep_bottleneck.run.estimation import EstimatorSet, load_estimators  # noqa: E402

AUTOREGRESSIVE_EPOCHS = [0, 5, 22, 111, 538, 1999]
ESTIMATORS = [
    ["mi_estimator.edge", {"discretization_range": 0.07}],
    ["mi_estimator.ksg", {"discretization_range": 0.001}],
    ["mi_estimator.autoregressive", {"at_epochs": AUTOREGRESSIVE_EPOCHS}],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--runs-dir", type=Path, default=Path(tempfile.mkdtemp(prefix="bench-new-estimators-")))
    parser.add_argument("--timed-snapshots", type=int, default=3, help="snapshots each estimator is timed on")
    args = parser.parse_args()
    config = {"epochs": args.epochs, "architecture": [10, 7, 5, 4, 3], "activation_fn": "tanh",
              "learning_rate": 0.0004, "batch_size": 256, "dataset": "datasets.harmonics",
              "snapshot_schedule": "log", "n_log_snapshots": 30, "estimators": ESTIMATORS, "seed": 0}
    config_path = args.runs_dir / "new_estimators.json"
    args.runs_dir.mkdir(parents=True, exist_ok=True)
    config_path.write_text(json.dumps(config))
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "experiment.py"), "with", str(config_path)], check=True,
                   env={**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(args.runs_dir)}, cwd=args.runs_dir)
    print(f"experiment.py with the three estimators: {time.perf_counter() - started:.1f} s")
    run = max((p for p in args.runs_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    seconds = (json.loads((run / "run.json").read_text()).get("result") or {}).get("seconds")
    if seconds:
        print("recorded timings:", {key: round(value, 1) for key, value in seconds.items()})
    images = ROOT / "docs" / "images"
    images.mkdir(exist_ok=True)
    for label in ("edge", "ksg", "autoregressive"):
        shutil.copyfile(run / f"infoplane_{label}.png", images / f"issue12_infoplane_{label}.png")
    print(f"planes copied to {images}")

    with ActivationFile(run / "activations" / "run_0.h5") as store:
        epochs, labels = store.epochs, store.labels
        layers = [(name, store.layer(name)[:]) for name in store.layer_names]
    chosen = [list(epochs).index(epoch) for epoch in AUTOREGRESSIVE_EPOCHS[-args.timed_snapshots:]]
    print(f"\ncost per snapshot (all {len(layers)} layers, {len(labels)} rows), mean of {len(chosen)} snapshots:")
    for entry, labelled in zip(ESTIMATORS, load_estimators(ESTIMATORS)):
        estimators = EstimatorSet([labelled])
        if entry[0].endswith("autoregressive"):  # one compilation per layer width, as in a run
            for index, (name, values) in enumerate(layers):
                estimators.estimate(values[chosen[:1]], labels, epochs[chosen[:1]], index, name, 0)
        started = time.perf_counter()
        for index, (name, values) in enumerate(layers):
            estimators.estimate(values[chosen], labels, epochs[chosen], index, name, 0)
        per_snapshot = (time.perf_counter() - started) / len(chosen)
        print(f"  {labelled.label:15s} {per_snapshot:8.2f} s")


if __name__ == "__main__":
    main()
