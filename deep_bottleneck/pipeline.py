"""One experiment: train ``n_runs`` networks, record activations, estimate MI, draw the plots.

Independent of Sacred: metrics and artifacts go to the callables it is given. Results are written
to ``output_dir`` as they are produced (activations per snapshot, the measures CSV after every
run), so a crash keeps everything finished before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import keras
import pandas as pd

from deep_bottleneck import plugins
from deep_bottleneck.callbacks.activation_recorder import ActivationRecorder
from deep_bottleneck.callbacks.metrics_logger import MetricsOverRuns
from deep_bottleneck.config import validate_config
from deep_bottleneck.data_split import DataSplit, select_mi_split
from deep_bottleneck.estimation import estimate_activation_file
from deep_bottleneck.mi_estimator.base import entropy_bits
from deep_bottleneck.plotter.base import PlotContext
from deep_bottleneck.progress import EpochProgress
from deep_bottleneck.snapshot_schedule import snapshot_epochs
from deep_bottleneck.training import train

MEASURES_FILE = "information_measures.csv"


@dataclass
class ExperimentResult:
    """Where an experiment's results are on disk."""

    measures: pd.DataFrame
    measures_path: Path
    plot_paths: list[Path] = field(default_factory=list)
    activation_paths: list[Path] = field(default_factory=list)


def _ignore_scalar(name: str, value: float, step: int) -> None:
    return None


def _ignore_artifact(path: str, name: str) -> None:
    return None


def build_model(settings: dict[str, Any], training: DataSplit) -> keras.Model:
    """Build the configured model for the shapes of ``training``."""
    return plugins.load_plugin(
        "model", settings["model"],
        architecture=settings["architecture"], activation_fn=settings["activation_fn"],
        optimizer=settings["optimizer"], learning_rate=settings["learning_rate"],
        input_size=training.X.shape[1], output_size=training.n_classes,
        max_norm_weights=settings["max_norm_weights"], initial_bias=settings["initial_bias"],
    )


def _train_and_estimate(settings: dict[str, Any], run: int, training: DataSplit, test: DataSplit,
                        mi_split: DataSplit, epochs_to_record, estimator, output_dir: Path,
                        metrics: MetricsOverRuns, result: ExperimentResult) -> list[str]:
    """Train repetition ``run``, record its activations, estimate MI and append it to the measures CSV.

    Returns:
        The names of the recorded layers.
    """
    seed = settings["seed"] + run
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = build_model(settings, training)
    activation_path = output_dir / "activations" / f"run_{run}.h5"
    recorder = ActivationRecorder(mi_split, settings["calculate_mi_for"], epochs_to_record, activation_path)
    callbacks = [
        recorder,
        metrics.logger_for_run(run),
        EpochProgress(settings["epochs"], f"run {run + 1}/{settings['n_runs']}: training"),
    ] + [plugins.load_plugin("callback", name, **arguments) for name, arguments in settings["callbacks"]]
    train(model, training, test, settings["epochs"], settings["batch_size"], callbacks, seed)
    result.activation_paths.append(activation_path)
    run_measures = estimate_activation_file(estimator, activation_path, run)
    result.measures = pd.concat([result.measures, run_measures], ignore_index=True)
    result.measures.to_csv(result.measures_path, index=False)
    return recorder.layer_names


def run_experiment(
    config: dict[str, Any],
    output_dir: Path,
    log_scalar: Callable[[str, float, int], None] = _ignore_scalar,
    add_artifact: Callable[[str, str], None] = _ignore_artifact,
) -> ExperimentResult:
    """Run a whole experiment.

    Args:
        config: Experiment config; validated here, so bad keys fail before any training.
        output_dir: Folder for activations (``activations/run_<k>.h5``) and outputs.
        log_scalar: Receives ``(metric name, value, epoch)`` for every epoch's metrics (per repetition
            as ``run_<k>.<name>`` and their mean as ``<name>`` when ``n_runs > 1``).
        add_artifact: Receives ``(path, name)`` of the CSV and every plot once written.

    Returns:
        The MI measures of every run and the paths of what was written.
    """
    settings = validate_config(config)
    output_dir = Path(output_dir)
    outputs = output_dir / "outputs"
    outputs.mkdir(parents=True, exist_ok=True)
    training, test = plugins.load_plugin("dataset", settings["dataset"])
    mi_split = select_mi_split(training, test, settings["calculate_mi_for"])
    estimator = plugins.load_plugin("estimator", settings["estimator"],
                                    discretization_range=settings["discretization_range"],
                                    **settings["estimator_args"])
    plotters = [plugins.load_plugin("plotter", name, **arguments) for name, arguments in settings["plotters"]]
    epochs_to_record = snapshot_epochs(settings["snapshot_schedule"], settings["epochs"], settings["n_log_snapshots"])

    result = ExperimentResult(measures=pd.DataFrame(), measures_path=outputs / MEASURES_FILE)
    layer_names: list[str] = []
    metrics = MetricsOverRuns(log_scalar, settings["n_runs"])
    try:
        for run in range(settings["n_runs"]):
            layer_names = _train_and_estimate(settings, run, training, test, mi_split, epochs_to_record,
                                              estimator, output_dir, metrics, result)
        metrics.log_means()
    finally:
        # A failed run still hands over the measures of the runs before it.
        if result.measures_path.exists():
            add_artifact(str(result.measures_path), MEASURES_FILE)

    context = PlotContext(
        split=settings["calculate_mi_for"], n_rows=len(mi_split.y), label_entropy=entropy_bits(mi_split.y),
        layer_names=layer_names, estimator=settings["estimator"],
    )
    for plotter in plotters:
        path = plotter.generate(result.measures, context, outputs)
        result.plot_paths.append(path)
        add_artifact(str(path), path.name)
    return result
