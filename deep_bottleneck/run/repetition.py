"""One repetition of an experiment: train a network from its own seed, record its activations and
estimate MI while it trains.

``run_repetition`` is a plain function of picklable arguments, so repetitions run the same in this
process or in worker processes (see ``deep_bottleneck.run.pipeline``), with identical results.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import keras
import numpy as np
import pandas as pd

from deep_bottleneck import plugins
from deep_bottleneck.checkpoint_file import (
    MetricLog,
    NetworkCheckpoint,
    TrainingState,
    write_checkpoint,
)
from deep_bottleneck.config import model_arguments
from deep_bottleneck.data_split import DataSplit, select_mi_split
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.memory import ReleaseFreedMemory
from deep_bottleneck.progress import EpochProgress, Report
from deep_bottleneck.run.activation_recorder import ActivationRecorder
from deep_bottleneck.run.estimation import BackgroundEstimation, load_estimators
from deep_bottleneck.run.gradient_statistics import GradientStatisticsRecorder
from deep_bottleneck.run.metrics_logger import MetricsLogger
from deep_bottleneck.snapshot_schedule import recorded_epochs
from deep_bottleneck.store.run_folder import RunFolder
from deep_bottleneck.training import train


@dataclass
class RepetitionResult:
    """What one repetition produced.

    Attributes:
        run: Index of the repetition.
        measures: Rows of ``estimation.MEASURE_COLUMNS``.
        activation_path: Its activation file.
        metrics: ``(name, value, epoch)`` of every epoch's metrics, when they were not logged live.
        seconds: Wall time of ``training`` (snapshots included), of ``estimation`` (the estimators' own
            time, mostly while training went on) and of ``estimation_after_training`` (what was left then).
        stop_reasons: Why training stopped before its last epoch, from callbacks with a ``stop_reason``.
    """

    run: int
    measures: pd.DataFrame
    activation_path: Path
    metrics: list[tuple[str, float, int]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    stop_reasons: list[str] = field(default_factory=list)


def build_model(settings: dict[str, Any], training: DataSplit) -> keras.Model:
    """Build the configured model for the shapes of ``training``."""
    return plugins.load_plugin("model", settings["model"],
                               **model_arguments(settings, training.X.shape[1], training.n_classes))


def set_random_seed(seed: int) -> None:
    """What ``keras.utils.set_random_seed`` does for this backend, without importing TensorFlow (which that
    function imports whenever it is installed, to seed it: ~0.5 GB and seconds per process) unless it is
    the backend."""
    if keras.backend.backend() in ("tensorflow", "torch"):
        keras.utils.set_random_seed(seed)
        return
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)


def gradient_recorders(settings: dict[str, Any], n_training_rows: int, epochs: Any,
                       path: Path) -> list[keras.callbacks.Callback]:
    """A ``GradientStatisticsRecorder`` when a configured plotter draws gradient statistics, else none.

    Raises:
        ConfigError: An epoch has a single minibatch, so the gradients' spread over minibatches is undefined.
    """
    plotters = [plugins.load_plugin("plotter", name, **arguments) for name, arguments in settings["plotters"]]
    if not any(getattr(plotter, "needs_gradient_statistics", False) for plotter in plotters):
        return []
    if n_training_rows <= settings["batch_size"]:
        raise ConfigError(f"plotter.snr needs at least two minibatches per epoch to measure the gradients' spread; "
                          f"batch_size {settings['batch_size']} covers all {n_training_rows} training rows at once.")
    return [GradientStatisticsRecorder(epochs, path)]


def dead_layers(layer_names: list[str], activations: list[np.ndarray]) -> list[str]:
    """The layers whose every unit gives one value for every input (nothing about the input gets through)."""
    return [name for name, values in zip(layer_names, activations)
            if len(values) > 1 and np.all(np.ptp(np.asarray(values).reshape(len(values), -1), axis=0) == 0)]


def warn_about_dead_layers(recorder: ActivationRecorder, run: int) -> None:
    """Log a warning naming the layers that are dead at the last snapshot."""
    if recorder.last_snapshot is None:
        return
    epoch, activations = recorder.last_snapshot
    dead = dead_layers(recorder.layer_names, activations)
    if dead:
        logging.getLogger("deep_bottleneck.runs").warning(
            "Run %d: layer(s) %s are dead at epoch %d: every unit gives the same value for every input, so MI is 0 "
            "there; a smaller learning_rate or another activation_fn may keep them alive.",
            run, ", ".join(map(repr, dead)), epoch)


class MetricsHistory:
    """Every epoch's metrics of one repetition so far (for its checkpoints), passed on to ``log_metric``.

    Args:
        log_metric: Receives ``(name, value, epoch)`` of every metric logged from now on.
        earlier: The metrics logged before (by the run this one resumes).
    """

    def __init__(self, log_metric: Callable[[str, float, int], None],
                 earlier: list[tuple[str, float, int]] | None = None) -> None:
        self.log_metric = log_metric
        self.metrics = MetricLog(earlier or [])

    def __call__(self, name: str, value: float, step: int) -> None:
        self.metrics.append(name, value, step)
        self.log_metric(name, value, step)


def run_repetition(settings: dict[str, Any], run: int, folder: RunFolder,
                   log_metric: Callable[[str, float, int], None] | None = None,
                   report: Report | None = None, resume: NetworkCheckpoint | None = None) -> RepetitionResult:
    """Train repetition ``run`` (seed ``settings["seed"] + run``), record its activations and estimate MI.

    After every snapshot (and after its last epoch) the repetition's checkpoint (``RunFolder.checkpoint_file``) is
    overwritten with its training state, so that a killed run can continue from there (``resume``).

    Args:
        settings: Validated settings (``config.validate_config``).
        run: Index of the repetition.
        folder: The run folder, which holds the repetition's activations and other files.
        log_metric: Receives every epoch's metrics as they come; when None they are returned instead.
        report: Receives progress lines (epoch, losses, accuracies, estimation), or None.
        resume: The checkpoint to continue from: its activation file keeps the snapshots recorded by then (they
            are estimated again), training continues after its epoch, and only later epochs' metrics are logged.

    Raises:
        EstimationError: Activations became NaN or infinite (the activation file stays on disk).
    """
    seed = settings["seed"] + run
    keras.backend.clear_session()
    set_random_seed(seed)
    training, test = plugins.load_plugin("dataset", settings["dataset"], **settings["dataset_args"])
    mi_split = select_mi_split(training, test, settings["calculate_mi_for"])
    model = build_model(settings, training)
    collected: list[tuple[str, float, int]] = []
    estimators = load_estimators(settings["estimators"])
    activation_path = folder.activation_file(run)
    epochs_to_record = recorded_epochs(settings)
    estimation = BackgroundEstimation(estimators, mi_split.y, run, expected_snapshots=len(epochs_to_record))
    description = f"run {run + 1}/{settings['n_runs']}"
    recorder = ActivationRecorder(mi_split, settings["calculate_mi_for"], epochs_to_record, activation_path,
                                  on_snapshot=estimation.submit, store_activations=settings["store_activations"],
                                  keep_snapshots=resume.n_snapshots if resume is not None else None)
    history = MetricsHistory(log_metric or (lambda *metric: collected.append(metric)),
                             resume.metrics if resume is not None else None)
    callbacks = [
        recorder,
        MetricsLogger(history),
        EpochProgress(settings["epochs"], description, position=run, report=report, status=estimation.status),
        ReleaseFreedMemory(),
    ] + gradient_recorders(settings, len(training.X), epochs_to_record, folder.gradient_file(run))
    facts = {"run_dir": str(folder.path), "projector_folder": folder.projector_folder(run),
             "information_stopping_file": folder.information_stopping_file(run), "mi_split": mi_split,
             "estimator": estimators[0].estimator}
    callbacks += [plugins.load_plugin("callback", name,
                                      **plugins.with_run_index("callback", name, arguments, run, facts))
                  for name, arguments in settings["callbacks"]]
    checkpoint_path = folder.checkpoint_file([run])

    def save_checkpoint(state: TrainingState) -> None:
        reasons = [reason for callback in callbacks if (reason := getattr(callback, "stop_reason", None))]
        states = {str(index): callback.resume_state() for index, callback in enumerate(callbacks)
                  if hasattr(callback, "resume_state")}
        write_checkpoint(checkpoint_path, [NetworkCheckpoint(run, state, recorder.n_snapshots, history.metrics,
                                                             reasons, states)])

    if resume is not None:
        for index, callback in enumerate(callbacks):
            if hasattr(callback, "restore_state") and str(index) in resume.callback_states:
                callback.restore_state(resume.callback_states[str(index)])

    started = time.perf_counter()
    try:
        if resume is not None and resume.state.finished:
            recorder.set_model(model)
            recorder.on_train_begin()
            recorder.on_train_end()
        else:
            train(model, training, test, settings["epochs"], settings["batch_size"], callbacks, seed,
                  start=resume.state if resume is not None else None, on_state=save_checkpoint,
                  state_epochs=set(int(epoch) for epoch in epochs_to_record))
    except BaseException:
        estimation.abandon()
        raise
    trained = time.perf_counter()
    warn_about_dead_layers(recorder, run)
    if report is not None:
        report(f"{description}: training done in {trained - started:.1f} s; {estimation.status()}")
    measures = estimation.result()
    seconds = {"training": trained - started, "estimation": estimation.busy_seconds,
               "estimation_after_training": time.perf_counter() - trained}
    if report is not None:
        report(f"{description}: done; {estimation.status()} ({seconds['estimation_after_training']:.1f} s after "
               f"training)")
    stop_reasons = [reason for callback in callbacks if (reason := getattr(callback, "stop_reason", None))]
    if resume is not None and resume.state.finished:
        stop_reasons = resume.stop_reasons
    return RepetitionResult(run, measures, activation_path, collected, seconds, stop_reasons)
