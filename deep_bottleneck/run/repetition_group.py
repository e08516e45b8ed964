"""Several repetitions of an experiment trained together: one compiled program trains them all
(``batched_training.BatchedTraining``), while each keeps its own seed, initialisation, minibatch order, activation
file, metrics and background estimation, as ``run.repetition.run_repetition`` gives them one at a time.

Used by ``run.pipeline`` for a plain feed-forward model on JAX without callback plug-ins or gradient statistics
(``batching_refusal`` says why not otherwise).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import keras
import numpy as np

from deep_bottleneck import plugins
from deep_bottleneck.batched_training import BatchedTraining, batchable_reason
from deep_bottleneck.checkpoint_file import NetworkCheckpoint, write_checkpoint
from deep_bottleneck.data_split import DataSplit, select_mi_split
from deep_bottleneck.memory import ReleaseFreedMemory
from deep_bottleneck.models.base import recorded_layers
from deep_bottleneck.progress import EpochProgress, Report
from deep_bottleneck.run.activation_recorder import ActivationRecorder
from deep_bottleneck.run.estimation import BackgroundEstimation, load_estimators
from deep_bottleneck.run.metrics_logger import MetricsLogger
from deep_bottleneck.run.repetition import (
    MetricsHistory,
    RepetitionResult,
    build_model,
    run_repetition,
    set_random_seed,
    warn_about_dead_layers,
)
from deep_bottleneck.snapshot_schedule import recorded_epochs
from deep_bottleneck.stop_request import raise_if_requested
from deep_bottleneck.store.run_folder import RunFolder


def batching_refusal(settings: dict[str, Any]) -> str | None:
    """Why the repetitions of ``settings`` cannot be trained together, or None when they can. The model is built
    once (from the first repetition's seed, on the dataset's shapes) to see its layers."""
    if settings["callbacks"]:
        return "callback plug-ins act on one network at a time"
    plotters = [plugins.load_plugin("plotter", name, **arguments) for name, arguments in settings["plotters"]]
    if any(getattr(plotter, "needs_gradient_statistics", False) for plotter in plotters):
        return "plotter.snr records gradient statistics one network at a time"
    if keras.backend.backend() != "jax":
        return f"the backend is {keras.backend.backend()!r}, not 'jax'"
    keras.backend.clear_session()
    set_random_seed(settings["seed"])
    training, _ = plugins.load_plugin("dataset", settings["dataset"], **settings["dataset_args"])
    reason = batchable_reason(build_model(settings, training))
    keras.backend.clear_session()
    return None if reason is None else f"model {settings['model']!r} cannot be trained together: {reason}"


@dataclass
class _Network:
    """One repetition's model and what records it."""

    run: int
    model: keras.Model
    training: DataSplit
    test: DataSplit
    recorder: ActivationRecorder
    estimation: BackgroundEstimation
    metrics: MetricsLogger
    history: MetricsHistory
    collected: list[tuple[str, float, int]] = field(default_factory=list)


def _network(settings: dict[str, Any], run: int, folder: RunFolder,
             log_metric: Callable[[int, str, float, int], None] | None,
             resume: NetworkCheckpoint | None) -> _Network:
    """Repetition ``run`` built as ``run_repetition`` builds it: seed, data, model, estimation, recorder."""
    set_random_seed(settings["seed"] + run)
    training, test = plugins.load_plugin("dataset", settings["dataset"], **settings["dataset_args"])
    mi_split = select_mi_split(training, test, settings["calculate_mi_for"])
    model = build_model(settings, training)
    epochs_to_record = recorded_epochs(settings)
    estimation = BackgroundEstimation(load_estimators(settings["estimators"]), mi_split.y, run,
                                      expected_snapshots=len(epochs_to_record))
    recorder = ActivationRecorder(mi_split, settings["calculate_mi_for"], epochs_to_record,
                                  folder.activation_file(run), on_snapshot=estimation.submit,
                                  store_activations=settings["store_activations"],
                                  keep_snapshots=resume.n_snapshots if resume is not None else None)
    collected: list[tuple[str, float, int]] = []
    history = MetricsHistory((lambda name, value, step: log_metric(run, name, value, step)) if log_metric
                             else (lambda *metric: collected.append(metric)),
                             resume.metrics if resume is not None else None)
    return _Network(run, model, training, test, recorder, estimation, MetricsLogger(history), history, collected)


def _same_data(networks: Sequence[_Network]) -> bool:
    first = networks[0]
    return all(np.array_equal(n.training.X, first.training.X) and np.array_equal(n.training.Y, first.training.Y)
               and np.array_equal(n.test.X, first.test.X) and np.array_equal(n.test.Y, first.test.Y)
               and np.array_equal(n.recorder.split.X, first.recorder.split.X) for n in networks[1:])


def run_repetitions_together(
    settings: dict[str, Any], runs: Sequence[int], folder: RunFolder,
    log_metric: Callable[[int, str, float, int], None] | None = None, report: Report | None = None,
    resume: Sequence[NetworkCheckpoint] | None = None,
) -> list[RepetitionResult | BaseException]:
    """Train repetitions ``runs`` together, record each one's activations and estimate its MI.

    After every snapshot (and after the last epoch) the group's checkpoint (``RunFolder.checkpoint_file``) is
    overwritten with every network's training state, so that a killed run can continue from there (``resume``).

    Each repetition's files, metrics and measures are those ``run_repetition`` gives it, up to float rounding
    (``batched_training``). Where the dataset differs between the repetitions' seeds, they are run one at a time.

    Args:
        settings: Validated settings (``config.validate_config``); ``batching_refusal`` None for them.
        runs: Indices of the repetitions.
        folder: The run folder.
        log_metric: Receives ``(run, name, value, epoch)`` of every epoch's metrics as they come; when None they
            are returned in each result instead.
        report: Receives progress lines (the group's epochs, with the first repetition's losses), or None.
        resume: The checkpoints (one per repetition, all after one epoch) to continue from, as
            ``run_repetition``'s ``resume``.

    Returns:
        Per repetition, in the order of ``runs``, its result or the exception it raised.
    """
    keras.backend.clear_session()
    starts = {checkpoint.run: checkpoint for checkpoint in resume or ()}
    networks = [_network(settings, run, folder, log_metric, starts.get(run)) for run in runs]
    if not _same_data(networks):
        for network in networks:
            network.estimation.abandon()
        return [_alone(settings, run, folder, log_metric, report) for run in runs]
    epochs = settings["epochs"]
    trainer = BatchedTraining([n.model for n in networks], networks[0].training, networks[0].test,
                              settings["batch_size"], [settings["seed"] + n.run for n in networks],
                              [starts[run].state for run in runs] if starts else None)
    first_epoch = starts[runs[0]].state.epoch + 1 if starts else 0
    if starts and starts[runs[0]].state.finished:
        first_epoch = epochs
    checkpoint_path = folder.checkpoint_file(runs)
    layers = recorded_layers(networks[0].model)
    rows = networks[0].recorder.split.X
    snapshots = networks[0].recorder.epochs_to_record
    description = f"runs {runs[0] + 1}-{runs[-1] + 1}/{settings['n_runs']}"
    progress = EpochProgress(epochs, description, position=runs[0], report=report,
                             status=networks[0].estimation.status)
    release = ReleaseFreedMemory()
    for network in networks:
        for callback in (network.recorder, network.metrics):
            callback.set_model(network.model)
        network.recorder.on_train_begin()
    started = time.perf_counter()
    try:
        for epoch in range(first_epoch, epochs):
            raise_if_requested()
            logs = trainer.train_epoch()
            for network, log in zip(networks, logs):
                network.metrics.on_epoch_end(epoch, log)
            progress.on_epoch_end(epoch, logs[0])
            release.on_epoch_end(epoch)
            if epoch in snapshots:
                for network, activations, weights in zip(networks, trainer.activations(layers, rows),
                                                         trainer.layer_weights(layers)):
                    network.recorder.record(epoch, activations, weights)
            if epoch in snapshots or epoch == epochs - 1:
                write_checkpoint(checkpoint_path, [
                    NetworkCheckpoint(network.run, state, network.recorder.n_snapshots, network.history.metrics)
                    for network, state in zip(networks, trainer.states(epoch, finished=epoch == epochs - 1))])
    except BaseException:
        for network in networks:
            network.estimation.abandon()
        raise
    finally:
        trainer.assign()
        for network in networks:
            network.recorder.on_train_end()
        progress.on_train_end()
    trained = time.perf_counter()
    if report is not None:
        report(f"{description}: training done in {trained - started:.1f} s")
    results: list[RepetitionResult | BaseException] = []
    for network in networks:
        warn_about_dead_layers(network.recorder, network.run)
        try:
            measures = network.estimation.result()
        except Exception as exc:
            results.append(exc)
            continue
        seconds = {"training": trained - started, "estimation": network.estimation.busy_seconds,
                   "estimation_after_training": time.perf_counter() - trained}
        results.append(RepetitionResult(network.run, measures, network.recorder.path, network.collected, seconds))
    return results


def _alone(settings: dict[str, Any], run: int, folder: RunFolder,
           log_metric: Callable[[int, str, float, int], None] | None,
           report: Report | None) -> RepetitionResult | BaseException:
    try:
        return run_repetition(settings, run, folder,
                              (lambda name, value, step: log_metric(run, name, value, step)) if log_metric else None,
                              report)
    except Exception as exc:
        return exc
