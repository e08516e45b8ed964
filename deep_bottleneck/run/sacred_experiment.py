"""The Sacred experiment: config defaults, validation before the run, storage, and the main function."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from sacred import SETTINGS, Experiment
from sacred.host_info import host_info_gatherer
from sacred.observers import FileStorageObserver, RunObserver
from sacred.utils import SacredError, apply_backspaces_and_linefeeds

from deep_bottleneck import plugins
from deep_bottleneck.config import (
    FREE_FORM_KEYS,
    KEY_CHECKS,
    default_config,
    estimator_names,
    validate_config,
    validate_estimators,
)
from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.progress import default_report
from deep_bottleneck.run.pipeline import run_experiment, run_title
from deep_bottleneck.run.provenance import run_source_files, stack_versions
from deep_bottleneck.store.file_store import PROJECT_ROOT, FileStore
from deep_bottleneck.store.mongo import content_type, largest_mongo_run_id
from deep_bottleneck.store.resumed_runs import ResumedFileStore

# Capture what Python prints, not the file descriptors, so progress bars written to the
# original stderr stay on the terminal and out of the run's captured output.
SETTINGS.CAPTURE_MODE = "sys"
# JAX reports at INFO level that it found no TPU, on every CPU-only run.
logging.getLogger("jax._src.xla_bridge").setLevel(logging.WARNING)


@host_info_gatherer("pid")
def _process_id() -> int:
    """The run's process, recorded in ``host`` so that a run whose process is gone is recognised
    (``store.run_liveness``)."""
    return os.getpid()


class InvalidExperimentConfig(SacredError):
    """Shown by Sacred as one line, without a traceback."""

    # Sacred prints "<module>.<class>: message"; the class name alone reads as the message's heading.
    __module__ = "builtins"

    def __init__(self, message: str) -> None:
        super().__init__(message, print_traceback=False)


class ExperimentFailed(InvalidExperimentConfig):
    """A run stopped by a problem the user can act on: Sacred marks it FAILED and shows one line."""

    __module__ = "builtins"


class _SkipFreeFormKeyNotices(logging.Filter):
    """Sacred notes every key set inside a free-form argument object (``estimator_args.strategy``)
    as an added config entry; those keys are checked by the plug-in instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("An error ocurred in the 'file store ") and "Cannot write " in message:
            return False  # the run stops with this error as its one line
        return not any(message.startswith(f'Added new config entry: "{key}.') for key in FREE_FORM_KEYS)


def experiment_logger() -> logging.Logger:
    """The logger of every run: Sacred's format, on stderr, without notes about free-form keys."""
    logger = logging.getLogger("deep_bottleneck.runs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s - %(name)s - %(message)s"))
        handler.addFilter(_SkipFreeFormKeyNotices())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def run_output_dir(run: Any, runs_dir: Path) -> Path:
    """The run's folder in the file store, or a fresh folder under ``runs_dir`` when there is none."""
    for observer in run.observers:
        if isinstance(observer, FileStorageObserver) and observer.dir:
            return Path(observer.dir)
    folder = runs_dir / "unobserved" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def record_provenance(experiment: Experiment, settings: dict[str, Any]) -> None:
    """Have Sacred store, with the run, the source of every plug-in ``settings`` use (the user's own included) and
    of the framework's modules, and the versions of the whole stack (``run.provenance``)."""
    for path in run_source_files(settings):
        experiment.add_source_file(str(path))
    for package, version in stack_versions().items():
        experiment.add_package_dependency(package, version)


def recorded_estimators(config: dict[str, Any]) -> dict[str, Any]:
    """The config changes that make a run with ``estimators`` record them plainly: ``estimators`` as
    ``[name, {arguments}]`` pairs and ``estimator`` as the list of their names (``config.estimator_names``); none
    for a run of a single ``estimator``. ``config`` is valid."""
    if not config.get("estimators"):
        return {}
    settings = validate_estimators(config["estimators"])
    return {"estimators": settings, "estimator": estimator_names(settings)}


class DeepBottleneckExperiment(Experiment):
    """Sacred's experiment, recording each run's estimators plainly (``recorded_estimators``).

    Config hooks cannot change keys the user set, so the run's config is changed once the run is created, before
    any observer sees it."""

    def _create_run(self, *args: Any, **kwargs: Any) -> Any:
        run = super()._create_run(*args, **kwargs)
        run.config.update(recorded_estimators(run.config))
        return run


def create_experiment(runs_dir: Path, name: str = "deep_bottleneck",
                      mongo_observer: RunObserver | None = None, help_text: str = "",
                      resume_id: str | None = None) -> Experiment:
    """Create the Sacred experiment, storing runs in ``runs_dir`` (Sacred's file store) and, when
    ``mongo_observer`` is given, in MongoDB too, under the same run id.

    With ``resume_id`` the experiment's run continues the stored run of that id from its checkpoints
    (``run.pipeline``), in the file store (``store.resumed_runs.ResumedFileStore``) and, when ``mongo_observer`` is a
    ``ResumedMongoObserver``, in MongoDB.

    Args:
        runs_dir: Root of the file store; every run gets a numbered folder in it.
        name: Experiment name recorded with each run (Omniboard and incense show it).
        mongo_observer: Sacred's ``MongoObserver``, or None for the file store alone.
        help_text: Shown by ``--help`` above Sacred's own options.
        resume_id: The id of a stored run to resume, or None for a new run.
    """
    runs_dir = Path(runs_dir).resolve()
    # Sources are recorded, and the usage line is written, relative to the project folder.
    experiment = DeepBottleneckExperiment(name, save_git_info=False, base_dir=str(PROJECT_ROOT),
                                          additional_host_info=[_process_id])
    experiment.doc = help_text
    experiment.logger = experiment_logger()
    experiment.captured_out_filter = apply_backspaces_and_linefeeds
    experiment.add_config(default_config())
    if resume_id is not None:
        experiment.observers += [observer for observer in (mongo_observer,) if observer is not None]
        experiment.observers.append(ResumedFileStore(runs_dir, resume_id))
    elif mongo_observer is not None:
        experiment.observers.append(mongo_observer)
        experiment.observers.append(FileStore(runs_dir, lambda: largest_mongo_run_id(mongo_observer.runs)))
    else:
        experiment.observers.append(FileStore(runs_dir))

    @experiment.config_hook
    def validate(config, command_name, logger):
        try:
            settings = validate_config(dict(config))
            # A data set that needs a file has it checked (or downloaded) now, before the run takes an id.
            check_files = getattr(plugins.load_module("dataset", settings["dataset"]), "check_files", None)
            if check_files is not None:
                check_files(**settings["dataset_args"])
        except DeepBottleneckError as exc:
            raise InvalidExperimentConfig(str(exc)) from None
        record_provenance(experiment, settings)
        return {}

    # The free-form keys are parameters of main so that Sacred accepts keys set inside them.
    @experiment.main
    def main(_config, _run, regularization=None, estimator_args=None, dataset_args=None, model_args=None):
        config = {key: value for key, value in dict(_config).items() if key in KEY_CHECKS}
        run_folder = run_output_dir(_run, runs_dir)
        file_stores = [observer for observer in _run.observers if isinstance(observer, FileStore)]

        def stop_if_a_record_failed() -> None:
            for store in file_stores:
                if store.write_error is not None:
                    raise store.write_error

        def log_scalar(name: str, value: float, step: int) -> None:
            stop_if_a_record_failed()
            _run.log_scalar(name, value, step)

        def add_artifact(path: str, name: str) -> None:
            _run.add_artifact(path, name, content_type=content_type(name))
            stop_if_a_record_failed()

        try:
            result = run_experiment(config, run_folder, log_scalar=log_scalar, add_artifact=add_artifact,
                                    report=default_report(),
                                    run_name=run_title(_run.experiment_info["name"], _run._id),
                                    resume=resume_id is not None)
            stop_if_a_record_failed()
        except DeepBottleneckError as exc:
            raise ExperimentFailed(str(exc)) from exc
        if result.stopped_early:
            _run.info["stopped_early"] = result.stopped_early
        for path in result.plot_paths:
            print(f"{'Plot data' if path.suffix == '.csv' else 'Plot'}: {path}")
        print(f"Information measures: {result.measures_path}")
        return {"measures": str(result.measures_path), "plots": [str(path) for path in result.plot_paths],
                "seconds": {part: round(value, 3) for part, value in result.seconds.items()}}

    return experiment
