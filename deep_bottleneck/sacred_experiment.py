"""The Sacred experiment: config defaults, validation before the run, storage, and the main function."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from sacred import SETTINGS, Experiment
from sacred.commandline_options import cli_option
from sacred.observers import FileStorageObserver
from sacred.utils import SacredError, apply_backspaces_and_linefeeds

from deep_bottleneck.config import KEY_CHECKS, default_config, validate_config
from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.pipeline import run_experiment
from deep_bottleneck.run_storage import mongo_observer, redact, settings_from_environment

# Capture what Python prints, not the file descriptors, so progress bars written to the
# original stderr stay on the terminal and out of the run's captured output.
SETTINGS.CAPTURE_MODE = "sys"
# JAX reports at INFO level that it found no TPU, on every CPU-only run.
logging.getLogger("jax._src.xla_bridge").setLevel(logging.WARNING)


class InvalidExperimentConfig(SacredError):
    """Shown by Sacred as one line, without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message, print_traceback=False)


def _attach_mongo(run: Any, url: str | None = None, db_name: str | None = None,
                  required: bool | None = None) -> None:
    settings = settings_from_environment(url, db_name, required)
    if settings is None or any(type(o).__name__ == "MongoObserver" for o in run.observers):
        return
    options = run.meta_info.get("options", {})
    if options.get("--mongo_url"):
        options["--mongo_url"] = redact(options["--mongo_url"])
    try:
        observer = mongo_observer(settings)
    except DeepBottleneckError as exc:
        raise InvalidExperimentConfig(str(exc)) from None
    if observer is not None:
        run.observers.append(observer)


# The three MongoDB flags are read together by _Experiment._create_run.
@cli_option("-M", "--mongo_url")
def mongo_url_option(args, run):
    """Also store the run in MongoDB at this URL (else $DEEP_BOTTLENECK_MONGO_URL)."""


@cli_option("-D", "--mongo_db")
def mongo_db_option(args, run):
    """MongoDB database name (else $DEEP_BOTTLENECK_MONGO_DB, default deep_bottleneck)."""


@cli_option("-O", "--mongo_only", is_flag=True)
def mongo_only_option(args, run):
    """Fail instead of falling back to the file store when MongoDB is unreachable."""


class _Experiment(Experiment):
    """Attaches MongoDB (from the flags, else the environment) to each run before it starts."""

    def _create_run(self, *args, **kwargs):
        run = super()._create_run(*args, **kwargs)
        options = run.meta_info.get("options", {})
        _attach_mongo(run, url=options.get("--mongo_url") or None, db_name=options.get("--mongo_db") or None,
                      required=bool(options.get("--mongo_only")) or None)
        return run


def run_output_dir(run: Any, runs_dir: Path) -> Path:
    """The run's folder in the file store, or a fresh folder under ``runs_dir`` when there is none."""
    for observer in run.observers:
        if isinstance(observer, FileStorageObserver) and observer.dir:
            return Path(observer.dir)
    folder = runs_dir / "unobserved" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_experiment(runs_dir: Path, name: str = "deep_bottleneck") -> Experiment:
    """Create the Sacred experiment, storing runs in ``runs_dir`` (Sacred's file store).

    Args:
        runs_dir: Root of the file store; every run gets a numbered folder in it.
        name: Experiment name recorded with each run.
    """
    runs_dir = Path(runs_dir).resolve()
    experiment = _Experiment(name, save_git_info=False,
                            additional_cli_options=[mongo_url_option, mongo_db_option, mongo_only_option])
    experiment.captured_out_filter = apply_backspaces_and_linefeeds
    experiment.add_config(default_config())
    experiment.observers.append(FileStorageObserver(str(runs_dir)))

    @experiment.config_hook
    def validate(config, command_name, logger):
        try:
            validate_config(dict(config))
        except DeepBottleneckError as exc:
            raise InvalidExperimentConfig(str(exc)) from None
        return {}

    @experiment.main
    def main(_config, _run, regularization=None):
        config = {key: value for key, value in dict(_config).items() if key in KEY_CHECKS}
        result = run_experiment(
            config, run_output_dir(_run, runs_dir),
            log_scalar=_run.log_scalar, add_artifact=lambda path, name: _run.add_artifact(path, name),
        )
        for path in result.plot_paths:
            print(f"Plot: {path}")
        print(f"Information measures: {result.measures_path}")
        return {"measures": str(result.measures_path), "plots": [str(p) for p in result.plot_paths]}

    return experiment


def absolute_config_paths(argv: list[str], project_root: Path) -> list[str]:
    """Let ``with configs/x.json`` work from any folder: a JSON/YAML path that is not found relative
    to the working directory is looked up relative to the project root."""
    resolved = []
    for argument in argv:
        if (
            argument.endswith((".json", ".yaml", ".yml")) and "=" not in argument
            and not Path(argument).exists() and (project_root / argument).exists()
        ):
            argument = str(project_root / argument)
        resolved.append(argument)
    return resolved
