"""Time every plot of a canonical-size run: 5 repetitions x 230 snapshots.

    .venv/bin/python bench/plots.py                  # a synthetic run folder of the canonical experiment's shape
    .venv/bin/python bench/plots.py --run-dir runs/7 # a stored run (plotters without their data are skipped)

The synthetic run has the shape of ``configs/tishby.json`` with ``n_runs=5``: 8000 epochs recorded at the
stepped schedule (230 snapshots), layers of widths 10, 7, 5, 4, 3, 2 on 4096 rows, three estimators (binning,
upper, lower), gradient statistics and training metrics of every repetition. Values are random (tanh of
growing Gaussian pre-activations); plotting cost depends on the shapes only. Prints each plotter's wall time
(all of its files) and the total, which is what a run spends in ``draw_plots``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from deep_bottleneck import plugins  # noqa: E402
from deep_bottleneck.activation_file import ActivationWriter  # noqa: E402
from deep_bottleneck.run.gradient_statistics import COLUMNS as GRADIENT_COLUMNS  # noqa: E402
from deep_bottleneck.store.run_folder import RunFolder  # noqa: E402
from deep_bottleneck.run.metrics_logger import stored_metrics  # noqa: E402
from deep_bottleneck.config import validate_config  # noqa: E402
from deep_bottleneck.run.pipeline import draw_plots  # noqa: E402
from deep_bottleneck.snapshot_schedule import stepped_epochs  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLOTTERS = [["plotter.informationplane", {}], ["plotter.informationplane_movie", {"max_frames": 230}],
            ["plotter.snr", {}], ["plotter.activations", {}], ["plotter.activations_single_neuron", {}]]
WIDTHS = [10, 7, 5, 4, 3, 2]


def synthetic_run(folder: Path, n_runs: int, epochs: int, n_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write activations and gradient statistics of ``n_runs`` repetitions; return (measures, metrics)."""
    rng = np.random.default_rng(0)
    snapshots = stepped_epochs(epochs)
    labels = rng.integers(0, 2, n_rows)
    names = [f"layer_{i}" for i in range(len(WIDTHS))]
    measures, metrics = [], []
    for run in range(n_runs):
        with ActivationWriter(RunFolder(folder).activation_file(run), names, WIDTHS, labels, "full_dataset",
                              len(snapshots)) as writer:
            for epoch in snapshots:
                scale = 1 + 3 * epoch / epochs
                writer.append(int(epoch), [np.tanh(scale * rng.standard_normal((n_rows, w))).astype(np.float32)
                                           for w in WIDTHS])
        gradients = [[epoch, layer, name, 13, *rng.uniform(0.01, 1, 2), 1.0, 1 + epoch / epochs]
                     for epoch in snapshots for layer, name in enumerate(names)]
        path = RunFolder(folder).gradient_file(run)
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(gradients, columns=GRADIENT_COLUMNS).to_csv(path, index=False)
        for estimator in ("binning", "upper", "lower"):
            for epoch in snapshots:
                for layer in range(len(WIDTHS)):
                    measures.append((epoch, layer, run, 12 - 2 * layer - epoch / epochs, epoch / epochs, estimator))
        for name in ("training.loss", "training.accuracy", "validation.loss", "validation.accuracy"):
            metrics += [(run, name, epoch, rng.uniform()) for epoch in range(epochs)]
    return (pd.DataFrame(measures, columns=["epoch", "layer", "run", "MI_XM", "MI_YM", "estimator"]),
            pd.DataFrame(metrics, columns=["run", "name", "epoch", "value"]))


def stored_run(run_dir: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Config, measures and metrics of a run in the file store."""
    config = json.loads((run_dir / "config.json").read_text())
    measures = pd.read_csv(run_dir / "information_measures.csv")
    return config, measures, stored_metrics(json.loads((run_dir / "metrics.json").read_text()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", type=Path, help="a stored run instead of the synthetic one")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="plots-") as scratch:
        scratch = Path(scratch)
        if args.run_dir:
            run_dir = args.run_dir.resolve()
            config, measures, metrics = stored_run(run_dir)
            plotters = [p for p in PLOTTERS if p[0] != "plotter.snr" or (run_dir / "gradients").is_dir()]
        else:
            run_dir = scratch
            started = time.perf_counter()
            measures, metrics = synthetic_run(scratch, args.runs, args.epochs, 4096)
            print(f"synthetic run written in {time.perf_counter() - started:.1f} s")
            config = json.loads((PROJECT_ROOT / "configs" / "tishby.json").read_text())
            plotters = PLOTTERS
        settings = validate_config({**config, "plotters": plotters})
        outputs = scratch / "plots"
        outputs.mkdir()
        print(f"{measures['run'].nunique()} runs, {measures['epoch'].nunique()} snapshots, estimators "
              f"{', '.join(measures['estimator'].unique())}")
        total = 0.0
        for name, arguments in settings["plotters"]:
            plotter = plugins.load_plugin("plotter", name, **arguments)
            started = time.perf_counter()
            paths = draw_plots([plotter], measures, settings, RunFolder(run_dir), outputs,
                               metrics=metrics)
            seconds = time.perf_counter() - started
            total += seconds
            print(f"{name:40s} {seconds:6.1f} s  ({', '.join(p.name for p in paths)})")
        print(f"{'all plots':40s} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
