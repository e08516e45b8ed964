"""The Sacred experiment: config defaults, validation before the run, storage, and the main function."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from sacred import SETTINGS, Experiment
from sacred.observers import FileStorageObserver, RunObserver
from sacred.utils import SacredError, apply_backspaces_and_linefeeds

from deep_bottleneck.config import FREE_FORM_KEYS, KEY_CHECKS, default_config, validate_config
from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.run.pipeline import run_experiment
from deep_bottleneck.store.file_store import PROJECT_ROOT, FileStore
from deep_bottleneck.store.mongo import content_type, largest_mongo_run_id

# Capture what Python prints, not the file descriptors, so progress bars written to the
# original stderr stay on the terminal and out of the run's captured output.
SETTINGS.CAPTURE_MODE = "sys"
# JAX reports at INFO level that it found no TPU, on every CPU-only run.
logging.getLogger("jax._src.xla_bridge").setLevel(logging.WARNING)


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


def create_experiment(runs_dir: Path, name: str = "deep_bottleneck",
                      mongo_observer: RunObserver | None = None, help_text: str = "") -> Experiment:
    """Create the Sacred experiment, storing runs in ``runs_dir`` (Sacred's file store) and, when
    ``mongo_observer`` is given, in MongoDB too, under the same run id.

    Args:
        runs_dir: Root of the file store; every run gets a numbered folder in it.
        name: Experiment name recorded with each run (Omniboard and incense show it).
        mongo_observer: Sacred's ``MongoObserver``, or None for the file store alone.
        help_text: Shown by ``--help`` above Sacred's own options.
    """
    runs_dir = Path(runs_dir).resolve()
    # Sources are recorded, and the usage line is written, relative to the project folder.
    experiment = Experiment(name, save_git_info=False, base_dir=str(PROJECT_ROOT))
    experiment.doc = help_text
    experiment.logger = experiment_logger()
    experiment.captured_out_filter = apply_backspaces_and_linefeeds
    experiment.add_config(default_config())
    if mongo_observer is not None:
        experiment.observers.append(mongo_observer)
        experiment.observers.append(FileStore(runs_dir, lambda: largest_mongo_run_id(mongo_observer.runs)))
    else:
        experiment.observers.append(FileStore(runs_dir))

    @experiment.config_hook
    def validate(config, command_name, logger):
        try:
            validate_config(dict(config))
        except DeepBottleneckError as exc:
            raise InvalidExperimentConfig(str(exc)) from None
        return {}

    # The free-form keys are parameters of main so that Sacred accepts keys set inside them.
    @experiment.main
    def main(_config, _run, regularization=None, estimator_args=None, dataset_args=None, model_args=None):
        config = {key: value for key, value in dict(_config).items() if key in KEY_CHECKS}
        run_folder = run_output_dir(_run, runs_dir)
        try:
            result = run_experiment(
                config, run_folder, log_scalar=_run.log_scalar,
                add_artifact=lambda path, name: _run.add_artifact(path, name, content_type=content_type(name)),
            )
        except DeepBottleneckError as exc:
            raise ExperimentFailed(str(exc)) from exc
        for path in result.plot_paths:
            print(f"Plot: {path}")
        print(f"Information measures: {result.measures_path}")
        return {"measures": str(result.measures_path), "plots": [str(path) for path in result.plot_paths],
                "seconds": {part: round(value, 3) for part, value in result.seconds.items()}}

    return experiment
