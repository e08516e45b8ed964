"""One experiment: train ``n_runs`` networks, record activations, estimate MI, draw the plots.

Independent of Sacred: metrics and artifacts go to the callables it is given. Repetitions run in
``parallel_runs`` worker processes (default: one per core), each estimating MI while it trains; each
repetition is the same computation as when run alone, so results do not depend on how many run at once.
With ``batched_repetitions`` (the default) the repetitions of a plain feed-forward model are split into one group
per worker and each group is trained by one compiled program (``run.repetition_group``); equal to training them one
at a time up to float rounding. Other models are trained one at a time, said once in the log.
Results are written as they are produced (activations per snapshot, the measures CSV after every
repetition), so a crash keeps everything finished before it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from deep_bottleneck import plugins
from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.config import estimator_labels, validate_config
from deep_bottleneck.errors import RepetitionError
from deep_bottleneck.memory import release_freed_memory
from deep_bottleneck.mi_estimator.base import entropy_bits
from deep_bottleneck.plotter.base import PlotContext
from deep_bottleneck.run.compression import write_compression_verdicts
from deep_bottleneck.run.estimation import load_estimators, sorted_measures
from deep_bottleneck.run.gradient_statistics import read_gradient_statistics
from deep_bottleneck.run.metrics_logger import MetricsOverRuns
from deep_bottleneck.run.network_family import FAMILY_PREFIX, estimate_family
from deep_bottleneck.run.repetition import RepetitionResult, run_repetition
from deep_bottleneck.run.repetition_group import batching_refusal, run_repetitions_together
from deep_bottleneck.store.run_folder import MEASURES_FILE, RunFolder

#: XLA settings of worker processes: one thread per operation, since the nets are too small to share
#: (each worker is one core's worth of work).
WORKER_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
#: Where the pipeline says how it trains the repetitions (``run.sacred_experiment.experiment_logger``'s logger).
LOGGER = logging.getLogger("deep_bottleneck.runs")


@dataclass
class ExperimentResult:
    """Where an experiment's results are on disk."""

    measures: pd.DataFrame
    measures_path: Path
    plot_paths: list[Path] = field(default_factory=list)
    activation_paths: list[Path] = field(default_factory=list)
    #: Per layer, how far I(X;T) fell from its peak (``deep_bottleneck.run.compression``).
    compression_path: Path | None = None
    #: Wall times: ``repetitions`` (all of them, training and estimation), ``plotting``, and each
    #: repetition's own split (``run_<k>.training``, ...).
    seconds: dict[str, float] = field(default_factory=dict)


def _ignore_scalar(name: str, value: float, step: int) -> None:
    return None


def _ignore_artifact(path: str, name: str) -> None:
    return None


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _worker_setup() -> None:
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {WORKER_XLA_FLAGS}".strip()


def _repetitions(settings: dict[str, Any], folder: RunFolder,
                 metrics: MetricsOverRuns) -> Iterator[tuple[int, RepetitionResult | BaseException]]:
    """Run every repetition; yield ``(run, result or the exception it raised)`` in order of ``run``."""
    n_runs = settings["n_runs"]
    workers = min(n_runs, settings["parallel_runs"] or available_cores())
    if settings["batched_repetitions"] and n_runs > 1:
        refusal = batching_refusal(settings)
        if refusal is None:
            yield from _repetition_groups(settings, folder, metrics, workers)
            return
        LOGGER.info(f"Repetitions are trained one at a time: {refusal}.")
    if workers == 1:
        for run in range(n_runs):
            try:
                yield run, run_repetition(settings, run, folder,
                                          lambda name, value, step, run=run: metrics.log(run, name, value, step))
            except Exception as exc:
                yield run, exc
                return
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup) as pool:
        futures: list[Future] = [pool.submit(run_repetition, settings, run, folder) for run in range(n_runs)]
        try:
            for run, future in enumerate(futures):
                try:
                    yield run, future.result()
                except BrokenProcessPool as exc:
                    yield run, _broken_pool_error(run, exc)
                except Exception as exc:
                    yield run, exc
        finally:
            for future in futures:
                future.cancel()


def _broken_pool_error(run: int, exc: BaseException) -> RepetitionError:
    return RepetitionError(
        f"A worker process ended abruptly before repetition {run} finished ({exc}); it may have run "
        f"out of memory. Repetitions that finished are on disk; try parallel_runs=1.")


def _repetition_groups(settings: dict[str, Any], folder: RunFolder, metrics: MetricsOverRuns,
                       workers: int) -> Iterator[tuple[int, RepetitionResult | BaseException]]:
    """The repetitions in ``workers`` groups (consecutive runs), each trained together in one worker process (in
    this process when ``workers`` is 1)."""
    groups = [[int(run) for run in group] for group in np.array_split(np.arange(settings["n_runs"]), workers)]
    if workers == 1:
        try:
            outcomes = run_repetitions_together(settings, groups[0], folder, metrics.log)
        except Exception as exc:
            outcomes = [exc] * len(groups[0])
        yield from zip(groups[0], outcomes)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup) as pool:
        futures = [pool.submit(run_repetitions_together, settings, group, folder) for group in groups]
        try:
            for group, future in zip(groups, futures):
                try:
                    outcomes = future.result()
                except BrokenProcessPool as exc:
                    outcomes = [_broken_pool_error(group[0], exc)] * len(group)
                except Exception as exc:
                    outcomes = [exc] * len(group)
                yield from zip(group, outcomes)
        finally:
            for future in futures:
                future.cancel()


def run_experiment(
    config: dict[str, Any],
    output_dir: Path,
    log_scalar: Callable[[str, float, int], None] = _ignore_scalar,
    add_artifact: Callable[[str, str], None] = _ignore_artifact,
) -> ExperimentResult:
    """Run a whole experiment.

    Args:
        config: Experiment config; validated here, so bad keys fail before any training.
        output_dir: The run folder (``store.run_folder``): activations, outputs and the rest go there.
        log_scalar: Receives ``(metric name, value, epoch)`` for every epoch's metrics (per repetition
            as ``run_<k>.<name>`` and their mean as ``<name>`` when ``n_runs > 1``).
        add_artifact: Receives ``(path, name)`` of the CSV and every plot once written.

    Returns:
        The MI measures of every run and the paths of what was written.

    Raises:
        DeepBottleneckError: The first repetition that failed (the measures of the others are on disk).
    """
    settings = validate_config(config)
    folder = RunFolder(output_dir)
    folder.path.mkdir(parents=True, exist_ok=True)
    plotters = [plugins.load_plugin("plotter", name, **arguments) for name, arguments in settings["plotters"]]
    # Checking the config built the model and compiled programs; their compilers' garbage need not stay.
    release_freed_memory()

    result = ExperimentResult(measures=pd.DataFrame(), measures_path=folder.measures_file)
    metrics = MetricsOverRuns(log_scalar, settings["n_runs"])
    frames: list[pd.DataFrame] = []
    failure: BaseException | None = None
    started = time.perf_counter()
    try:
        for run, outcome in _repetitions(settings, folder, metrics):
            if isinstance(outcome, BaseException):
                failure = failure or outcome
                continue
            result.seconds.update({f"run_{run}.{part}": value for part, value in outcome.seconds.items()})
            for metric in outcome.metrics:
                metrics.log(run, *metric)
            frames.append(outcome.measures)
            result.activation_paths.append(outcome.activation_path)
            result.measures = sorted_measures(frames)
            result.measures.to_csv(result.measures_path, index=False)
        if failure is not None:
            raise failure
        metrics.log_means()
        if settings["family_size"]:
            frames.append(estimate_family(load_estimators(settings["estimators"]),
                                          result.activation_paths[:settings["family_size"]], settings["seed"]))
            result.measures = sorted_measures(frames)
            result.measures.to_csv(result.measures_path, index=False)
    finally:
        # A failed repetition still hands over the measures of the others.
        if result.measures_path.exists():
            add_artifact(str(result.measures_path), MEASURES_FILE)

    result.seconds["repetitions"] = time.perf_counter() - started
    with ActivationFile(result.activation_paths[0]) as store:
        result.compression_path = write_compression_verdicts(result.measures, store.layer_names,
                                                             folder.compression_file)
    add_artifact(str(result.compression_path), result.compression_path.name)
    started = time.perf_counter()
    logged_metrics = metrics.frame()
    result.plot_paths = draw_plots(plotters, result.measures, settings, folder, folder.path,
                                   metrics=logged_metrics)
    if settings["family_size"]:
        result.plot_paths += draw_plots(plotters, result.measures, settings, folder, folder.path,
                                        metrics=logged_metrics, estimator_plots_only=True, prefix=FAMILY_PREFIX)
    result.seconds["plotting"] = time.perf_counter() - started
    for path in result.plot_paths:
        add_artifact(str(path), path.name)
    return result


def draw_plots(plotters: list, measures: pd.DataFrame, settings: dict[str, Any], folder: RunFolder,
               outputs: Path, always_suffix: bool = False, metrics: pd.DataFrame | None = None,
               estimator_plots_only: bool = False, prefix: str = "") -> list[Path]:
    """Every plotter of MI once per estimator, into ``outputs``; with several estimators (or ``always_suffix``, or a
    ``prefix`` of the labels, as the network family's rows have), file names end in ``_<estimator label>``. Plotters
    of other data (``per_estimator = False``) draw once, unless ``estimator_plots_only``. The layer names, the labels
    of the rows MI was estimated on, the activations and gradient statistics come from the run's ``folder``;
    ``metrics`` are the logged training metrics (columns ``run, name, epoch, value``)."""
    activation_files = folder.activation_files()
    with ActivationFile(activation_files[0]) as store:
        layer_names, mi_labels = store.layer_names, store.labels
    gradients = (read_gradient_statistics(folder.gradient_files())
                 if any(plotter.needs_gradient_statistics for plotter in plotters) else None)
    labels = [prefix + label for label in estimator_labels(settings["estimators"])]
    always_suffix = always_suffix or bool(prefix)
    paths = []
    for index, (label, (name, _)) in enumerate(zip(labels, settings["estimators"])):
        context = PlotContext(
            split=settings["calculate_mi_for"], n_rows=len(mi_labels), label_entropy=entropy_bits(mi_labels),
            layer_names=layer_names, estimator=name,
            file_suffix=f"_{label}" if len(labels) > 1 or always_suffix else "",
            n_runs=settings["n_runs"], activation_files=activation_files, gradient_statistics=gradients,
            metrics=metrics,
        )
        for plotter in plotters:
            if plotter.per_estimator:
                paths.append(plotter.generate(measures[measures["estimator"] == label], context, outputs))
            elif index == 0 and not estimator_plots_only:
                paths.append(plotter.generate(measures, replace(context, file_suffix=""), outputs))
    return paths
