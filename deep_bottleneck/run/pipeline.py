"""One experiment: train ``n_runs`` networks, record activations, estimate MI, draw the plots.

Independent of Sacred: metrics and artifacts go to the callables it is given. Repetitions run in
``parallel_runs`` worker processes (default: one per core), each estimating MI while it trains; each
repetition is the same computation as when run alone, so results do not depend on how many run at once.
With ``batched_repetitions`` (the default) the repetitions of a plain feed-forward model are split into one group
per worker and each group is trained by one compiled program (``run.repetition_group``); equal to training them one
at a time up to float rounding. Other models are trained one at a time, said once in the log.
Results are written as they are produced (activations per snapshot, the measures CSV after every
repetition), so a crash keeps everything finished before it. After every snapshot each repetition (or group) also
overwrites its checkpoint (``checkpoint_file``); ``run_experiment(..., resume=True)`` continues a killed run from
its checkpoints: the same grouping, each repetition from its last checkpoint (from the start where there is none),
the metrics recorded up to there logged again, so that the run ends with the numbers of a run never stopped.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from deep_bottleneck import plugins
from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.checkpoint_file import NetworkCheckpoint, read_checkpoint
from deep_bottleneck.compilation_cache import use_compilation_cache
from deep_bottleneck.config import changed_arguments, estimator_labels, validate_config
from deep_bottleneck.cores import available_cores
from deep_bottleneck.errors import DamagedFileError, RepetitionError
from deep_bottleneck.memory import release_freed_memory
from deep_bottleneck.mi_estimator.base import entropy_bits
from deep_bottleneck.parent_watch import end_with_parent
from deep_bottleneck.plotter.base import PlotContext
from deep_bottleneck.progress import Report
from deep_bottleneck.record_file import replace_atomically, write_text_atomically
from deep_bottleneck.run.compression import write_compression_verdicts
from deep_bottleneck.run.estimation import load_estimators, sorted_measures
from deep_bottleneck.run.gradient_statistics import read_gradient_statistics
from deep_bottleneck.run.metrics_logger import MetricsOverRuns
from deep_bottleneck.run.network_family import FAMILY_PREFIX, estimate_family
from deep_bottleneck.run.repetition import RepetitionResult, run_repetition
from deep_bottleneck.run.repetition_group import batching_refusal, run_repetitions_together
from deep_bottleneck.snapshot_schedule import recorded_epochs
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
    #: Why each repetition that stopped before its last epoch stopped (``run_<k>`` -> reasons).
    stopped_early: dict[str, list[str]] = field(default_factory=dict)
    #: Wall times: ``repetitions`` (all of them, training and estimation), ``plotting``, and each
    #: repetition's own split (``run_<k>.training``, ...).
    seconds: dict[str, float] = field(default_factory=dict)


def _ignore_scalar(name: str, value: float, step: int) -> None:
    return None


def _ignore_artifact(path: str, name: str) -> None:
    return None


#: In a worker process: the queue its repetitions send metrics and progress lines through to the main process.
_to_main_process: Any = None


def _worker_setup(parent_pid: int, to_main_process: Any) -> None:
    global _to_main_process
    end_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the experiment process stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _to_main_process = to_main_process
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {WORKER_XLA_FLAGS}".strip()
    use_compilation_cache()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes (the experiment is ending early: nothing they do would be used)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


def _repetition_in_worker(settings: dict[str, Any], run: int, folder: RunFolder, lines: bool,
                          resume: NetworkCheckpoint | None = None) -> list[RepetitionResult]:
    """``run_repetition`` in a worker process (its result alone in a list), its metrics and progress lines sent to
    the main process as they come."""
    channel = _to_main_process
    return [run_repetition(settings, run, folder,
                           log_metric=lambda name, value, step: channel.put(("metric", run, name, value, step)),
                           report=(lambda text: channel.put(("line", text))) if lines else None, resume=resume)]


class WorkerMessages(threading.Thread):
    """Hands the metrics and progress lines that worker processes send to ``metrics`` and ``report`` while the
    repetitions run, so that they reach Sacred (and its observers, at each heartbeat) during the run.

    Args:
        channel: The queue the workers send ``("metric", run, name, value, step)`` and ``("line", text)`` through.
        metrics: Receives every metric.
        report: Receives every progress line, or None.
    """

    def __init__(self, channel: Any, metrics: MetricsOverRuns, report: Report | None) -> None:
        super().__init__(name="worker-messages", daemon=True)
        self.channel, self.metrics, self.report = channel, metrics, report
        self._stopping = threading.Event()

    def run(self) -> None:
        while True:
            try:
                message = self.channel.get(timeout=0.1)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            if message[0] == "metric":
                self.metrics.log(*message[1:])
            elif self.report is not None:
                self.report(message[1])

    def finish(self) -> None:
        """Hand over what is left once the workers have ended, then stop."""
        self._stopping.set()
        self.join()


def _planned_groups(settings: dict[str, Any], folder: RunFolder, workers: int, resume: bool) -> list[list[int]]:
    """The groups of repetitions trained together: those the resumed run used (``RunFolder.groups_file``), else one
    group of consecutive runs per worker, recorded for a later resume."""
    if resume and folder.groups_file.is_file():
        try:
            groups = json.loads(folder.groups_file.read_text())
            if sorted(run for group in groups for run in group) == list(range(settings["n_runs"])):
                return [[int(run) for run in group] for group in groups]
        except (ValueError, TypeError):
            pass
        LOGGER.warning("%s is damaged; the repetitions are grouped afresh and start from their first epoch.",
                       folder.groups_file)
    groups = [[int(run) for run in group] for group in np.array_split(np.arange(settings["n_runs"]), workers)]
    folder.checkpoint_folder.mkdir(parents=True, exist_ok=True)
    write_text_atomically(folder.groups_file, json.dumps(groups))
    return groups


def usable_checkpoints(folder: RunFolder, units: list[list[int]]) -> dict[int, NetworkCheckpoint]:
    """The checkpoint of each repetition of ``units`` (repetitions trained alone or together) that a resumed run can
    continue from: readable, of the unit's repetitions, and with activation files holding the snapshots it counts.
    Each unit without one is said in the log; its repetitions start from their first epoch."""
    found: dict[int, NetworkCheckpoint] = {}
    for unit in units:
        path = folder.checkpoint_file(unit)
        described = _repetitions_named(unit)
        if not path.is_file():
            LOGGER.info("Resumed run: %s start from the first epoch (no checkpoint).", described)
            continue
        try:
            networks = read_checkpoint(path)
            if sorted(network.run for network in networks) != unit or len({n.state.epoch for n in networks}) != 1:
                raise DamagedFileError(f"Checkpoint {path} is not one of {described}.")
            for network in networks:
                with ActivationFile(folder.activation_file(network.run)) as stored:
                    if len(stored.epochs) < network.n_snapshots:
                        raise DamagedFileError(f"{stored.path} holds fewer snapshots than its checkpoint.")
        except (DamagedFileError, FileNotFoundError) as exc:
            LOGGER.warning("Resumed run: %s start from the first epoch: %s", described, exc)
            continue
        epoch = networks[0].state.epoch
        LOGGER.info("Resumed run: %s continue after epoch %d (%d snapshot(s) kept)%s.", described, epoch,
                    networks[0].n_snapshots, ", training had ended" if networks[0].state.finished else "")
        found.update({network.run: network for network in networks})
    return found


def _replay(checkpoints: dict[int, NetworkCheckpoint], metrics: MetricsOverRuns) -> None:
    """Log again the metrics the checkpoints recorded (the stores' metrics were cleared when the run resumed)."""
    for run in sorted(checkpoints):
        for name, value, step in checkpoints[run].metrics:
            metrics.log(run, name, value, step)


def _repetitions(settings: dict[str, Any], folder: RunFolder, metrics: MetricsOverRuns,
                 report: Report | None, resume: bool = False) -> Iterator[tuple[int, RepetitionResult | BaseException]]:
    """Run every repetition; yield ``(run, result or the exception it raised)`` in order of ``run``. With
    ``resume``, each continues from its checkpoint (``usable_checkpoints``)."""
    n_runs = settings["n_runs"]
    cores = available_cores()
    workers = min(n_runs, settings["parallel_runs"] or cores)
    if n_runs > 1:
        chosen = (f"parallel_runs={settings['parallel_runs']}" if settings["parallel_runs"]
                  else f"one per core, {cores} for this experiment")
        LOGGER.info(f"The {n_runs} repetitions run in "
                    f"{'this process' if workers == 1 else f'{workers} worker processes'} ({chosen}).")
    if settings["batched_repetitions"] and n_runs > 1:
        refusal = batching_refusal(settings)
        if refusal is None:
            groups = _planned_groups(settings, folder, workers, resume)
            checkpoints = usable_checkpoints(folder, groups) if resume else {}
            _replay(checkpoints, metrics)
            yield from _repetition_groups(settings, folder, metrics, report, groups, checkpoints)
            return
        LOGGER.info(f"Repetitions are trained one at a time: {refusal}.")
    checkpoints = usable_checkpoints(folder, [[run] for run in range(n_runs)]) if resume else {}
    _replay(checkpoints, metrics)
    if workers == 1:
        for run in range(n_runs):
            try:
                yield run, run_repetition(settings, run, folder,
                                          lambda name, value, step, run=run: metrics.log(run, name, value, step),
                                          report, resume=checkpoints.get(run))
            except Exception as exc:
                yield run, exc
                return
        return
    yield from _in_worker_processes(
        [[run] for run in range(n_runs)], metrics, report, workers,
        lambda runs, lines: (_repetition_in_worker, settings, runs[0], folder, lines, checkpoints.get(runs[0])))


def _in_worker_processes(groups: list[list[int]], metrics: MetricsOverRuns, report: Report | None, workers: int,
                         call: Callable[[list[int], bool], tuple],
                         ) -> Iterator[tuple[int, RepetitionResult | BaseException]]:
    """Run each group of repetitions in a worker process of a pool of ``workers``; yield ``(run, result or the
    exception it raised)`` in the order of ``groups``.

    ``call(group, lines)`` gives the function and arguments a worker runs for ``group`` (``lines``: whether progress
    lines are wanted); it returns one outcome per repetition of the group. Metrics and progress lines reach
    ``metrics`` and ``report`` while the workers run. Workers end with this process however it ends; when the
    caller stops early, they are killed.
    """
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    messages = WorkerMessages(channel, metrics, report)
    messages.start()
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup,
                                 initargs=(os.getpid(), channel)) as pool:
            futures = [pool.submit(*call(group, report is not None)) for group in groups]
            finished = False
            try:
                for group, future in zip(groups, futures):
                    try:
                        outcomes = future.result()
                    except BrokenProcessPool as exc:
                        outcomes = [RepetitionError(
                            f"A worker process ended abruptly before {_repetitions_named(group)} finished ({exc}); "
                            f"it may have run out of memory. Repetitions that finished are on disk; try "
                            f"parallel_runs=1{' or batched_repetitions=False' if len(group) > 1 else ''}.")] * len(group)
                    except Exception as exc:
                        outcomes = [exc] * len(group)
                    yield from zip(group, outcomes)
                finished = True
            finally:
                for future in futures:
                    future.cancel()
                if not finished:
                    _stop_workers(pool)
    finally:
        # The workers have ended, so everything they sent is in the queue.
        messages.finish()


def _repetitions_named(group: list[int]) -> str:
    return f"repetition {group[0]}" if len(group) == 1 else f"repetitions {group[0]}-{group[-1]}"


def write_measures(measures: pd.DataFrame, path: Path) -> None:
    """Write the measures CSV whole or not at all (``record_file``)."""
    replace_atomically(path, lambda temporary: measures.to_csv(temporary, index=False))


def _repetition_groups(settings: dict[str, Any], folder: RunFolder, metrics: MetricsOverRuns, report: Report | None,
                       groups: list[list[int]], checkpoints: dict[int, NetworkCheckpoint],
                       ) -> Iterator[tuple[int, RepetitionResult | BaseException]]:
    """The repetitions in ``groups``, each trained together in one worker process (in this process when there is one
    group), continuing from ``checkpoints`` where they have them."""
    def resume(group: list[int]) -> list[NetworkCheckpoint] | None:
        return [checkpoints[run] for run in group] if all(run in checkpoints for run in group) else None

    if len(groups) == 1:
        try:
            outcomes = run_repetitions_together(settings, groups[0], folder, metrics.log, report, resume(groups[0]))
        except Exception as exc:
            outcomes = [exc] * len(groups[0])
        yield from zip(groups[0], outcomes)
        return
    yield from _in_worker_processes(
        groups, metrics, report, len(groups),
        lambda group, lines: (_group_in_worker, settings, group, folder, lines, resume(group)))


def _group_in_worker(settings: dict[str, Any], runs: list[int], folder: RunFolder, lines: bool,
                     resume: list[NetworkCheckpoint] | None = None) -> list[RepetitionResult | BaseException]:
    """``run_repetitions_together`` in a worker process, its metrics and progress lines sent to the main process."""
    channel = _to_main_process
    return run_repetitions_together(
        settings, runs, folder, log_metric=lambda run, name, value, step: channel.put(("metric", run, name, value, step)),
        report=(lambda text: channel.put(("line", text))) if lines else None, resume=resume)


def _repetition_metric_epochs(settings: dict[str, Any]) -> list[int] | None:
    """The epochs at which each repetition's own metrics are logged (``repetition_metrics``), None for all."""
    if settings["repetition_metrics"] == "every_epoch":
        return None
    recorded = recorded_epochs(settings)
    return [*recorded.tolist(), settings["epochs"] - 1]


def run_experiment(
    config: dict[str, Any],
    output_dir: Path,
    log_scalar: Callable[[str, float, int], None] = _ignore_scalar,
    add_artifact: Callable[[str, str], None] = _ignore_artifact,
    report: Report | None = None,
    run_name: str = "",
    resume: bool = False,
) -> ExperimentResult:
    """Run a whole experiment.

    Args:
        config: Experiment config; validated here, so bad keys fail before any training.
        output_dir: The run folder (``store.run_folder``): activations, outputs and the rest go there.
        log_scalar: Receives ``(metric name, value, epoch)`` for every epoch's metrics as training goes on, in
            this process's main thread or in a thread of it (per repetition as ``run_<k>.<name>`` and, when
            ``n_runs > 1``, their mean as ``<name>`` as soon as every repetition has reached the epoch).
        add_artifact: Receives ``(path, name)`` of the CSV and every plot once written.
        report: Receives progress lines (``deep_bottleneck.progress``), or None for none.
        run_name: The run's name (and id), which the plots' titles start with.
        resume: Continue the killed or interrupted run in ``output_dir`` from its checkpoints (its metrics are
            logged again up to each checkpoint, so the stores' metrics must have been cleared); each repetition
            without one starts from its first epoch.

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
    metrics = MetricsOverRuns(log_scalar, settings["n_runs"], _repetition_metric_epochs(settings))
    frames: list[pd.DataFrame] = []
    failure: BaseException | None = None
    started = time.perf_counter()
    try:
        for run, outcome in _repetitions(settings, folder, metrics, report, resume):
            if isinstance(outcome, BaseException):
                failure = failure or outcome
                continue
            result.seconds.update({f"run_{run}.{part}": value for part, value in outcome.seconds.items()})
            if outcome.stop_reasons:
                result.stopped_early[f"run_{run}"] = outcome.stop_reasons
                logging.getLogger("deep_bottleneck.runs").info("Run %d stopped early: %s.", run,
                                                               "; ".join(outcome.stop_reasons))
            for metric in outcome.metrics:
                metrics.log(run, *metric)
            frames.append(outcome.measures)
            result.activation_paths.append(outcome.activation_path)
            result.measures = sorted_measures(frames)
            write_measures(result.measures, result.measures_path)
        if failure is not None:
            raise failure
        if settings["family_size"]:
            frames.append(estimate_family(load_estimators(settings["estimators"]),
                                          result.activation_paths[:settings["family_size"]], settings["seed"]))
            result.measures = sorted_measures(frames)
            write_measures(result.measures, result.measures_path)
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
                                   metrics=logged_metrics, run_name=run_name)
    if settings["family_size"]:
        result.plot_paths += draw_plots(plotters, result.measures, settings, folder, folder.path,
                                        metrics=logged_metrics, estimator_plots_only=True, prefix=FAMILY_PREFIX,
                                        run_name=run_name)
    result.seconds["plotting"] = time.perf_counter() - started
    for path in result.plot_paths:
        add_artifact(str(path), path.name)
    # The run is complete: nothing will resume it.
    shutil.rmtree(folder.checkpoint_folder, ignore_errors=True)
    return result


def run_title(name: str, run_id: Any) -> str:
    """How plots name a run: ``demo (run 3)``, or the name alone for a run without an id."""
    return f"{name} (run {run_id})" if run_id is not None else name


def plot_contexts(settings: dict[str, Any], folder: RunFolder, run_name: str = "", always_suffix: bool = False,
                  metrics: pd.DataFrame | None = None, prefix: str = "",
                  gradient_statistics: pd.DataFrame | None = None) -> list[PlotContext]:
    """The ``PlotContext`` of each configured estimator's plots.

    The layer names, the labels of the rows MI was estimated on, how many of their inputs differ and the
    activations come from the run's ``folder``. With several estimators (or ``always_suffix``, or a ``prefix`` of
    the labels, as the network family's rows have), file suffixes are ``_<estimator label>``; with the family's
    prefix the contexts say the family's size.
    """
    activation_files = folder.activation_files()
    with ActivationFile(activation_files[0]) as store:
        layer_names, mi_labels, distinct_inputs = store.layer_names, store.labels, store.distinct_inputs
    labels = [prefix + label for label in estimator_labels(settings["estimators"])]
    suffixed = always_suffix or bool(prefix) or len(labels) > 1
    family_size = min(settings["family_size"] or 0, settings["n_runs"]) if prefix == FAMILY_PREFIX else 0
    return [
        PlotContext(
            split=settings["calculate_mi_for"], n_rows=len(mi_labels), label_entropy=entropy_bits(mi_labels),
            layer_names=layer_names, estimator=name, file_suffix=f"_{label}" if suffixed else "",
            n_runs=settings["n_runs"], activation_files=activation_files, gradient_statistics=gradient_statistics,
            metrics=metrics, run_name=run_name,
            estimator_arguments=changed_arguments(name, arguments),
            n_distinct_inputs=distinct_inputs, snapshot_schedule=settings["snapshot_schedule"],
            family_size=family_size,
        )
        for label, (name, arguments) in zip(labels, settings["estimators"])
    ]


def draw_plots(plotters: list, measures: pd.DataFrame, settings: dict[str, Any], folder: RunFolder,
               outputs: Path, always_suffix: bool = False, metrics: pd.DataFrame | None = None,
               estimator_plots_only: bool = False, prefix: str = "", run_name: str = "") -> list[Path]:
    """Every plotter of MI once per estimator, into ``outputs``, with the contexts of ``plot_contexts``. Plotters
    of other data (``per_estimator = False``) draw once, unless ``estimator_plots_only``. The data files a plotter
    writes beside its plot (``data_paths``) follow the plot in the list returned. The gradient statistics
    come from the run's ``folder``; ``metrics`` are the logged training metrics (columns ``run, name, epoch,
    value``); ``run_name`` starts the titles."""
    gradients = (read_gradient_statistics(folder.gradient_files())
                 if any(plotter.needs_gradient_statistics for plotter in plotters) else None)
    contexts = plot_contexts(settings, folder, run_name, always_suffix, metrics, prefix, gradients)
    labels = [prefix + label for label in estimator_labels(settings["estimators"])]
    paths = []
    for index, (label, context) in enumerate(zip(labels, contexts)):
        for plotter in plotters:
            if plotter.per_estimator:
                paths.append(plotter.generate(measures[measures["estimator"] == label], context, outputs))
                paths += plotter.data_paths(context, outputs)
            elif index == 0 and not estimator_plots_only:
                paths.append(plotter.generate(measures, replace(context, file_suffix=""), outputs))
                paths += plotter.data_paths(replace(context, file_suffix=""), outputs)
    return paths
