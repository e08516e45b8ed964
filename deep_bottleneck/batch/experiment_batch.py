"""A batch of experiments: configs found in a file or folder (grids expanded), checked, and those with a completed
run in the store set aside; shared by ``run_experiments_local.py`` and ``run_experiments.py``."""

from __future__ import annotations

import argparse
import copy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from deep_bottleneck.batch.completed_runs import CompletedRuns, batch_store
from deep_bottleneck.batch.config_grid import BatchConfig, read_batch_configs
from deep_bottleneck.config import validate_config
from deep_bottleneck.errors import ConfigError, DeepBottleneckError
from deep_bottleneck.eval_tools.run_store import RunStore
from deep_bottleneck.store.file_store import PROJECT_ROOT

EXPERIMENT_SCRIPT = PROJECT_ROOT / "experiment.py"
#: Where the runners write job output, logs and the files of grid configs, unless told otherwise.
DEFAULT_OUTPUT_DIR = PROJECT_ROOT / "output"


@dataclass(frozen=True)
class PlannedExperiment:
    """One config of a batch and what the batch does with it.

    Attributes:
        name: The config's name (the run's name).
        source: The file it comes from.
        config: The config, or None when its file could not be read.
        error: Why it cannot run (one line), or None.
        stored_run: The id of a completed run with this config, or None.
    """

    name: str
    source: Path
    config: BatchConfig | None
    error: str | None = None
    stored_run: Any = None

    @property
    def runnable(self) -> bool:
        """Whether the batch runs it: it is valid and, unless forced, not in the store yet."""
        return self.error is None and self.stored_run is None


def batch_argument_parser(description: str) -> argparse.ArgumentParser:
    """Arguments shared by the runners: ``-d PATH``, ``--seed``, ``--force`` and ``--output``; config updates for
    every config follow ``with`` (``parse_batch_command_line``)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     usage="%(prog)s [options] [with key=value ...]")
    parser.add_argument("-d", "--path", required=True, type=Path,
                        help="a JSON config, a grid, or a folder searched recursively for both")
    parser.add_argument("--seed", type=int, default=None, help="seed given to every experiment")
    parser.add_argument("--force", action="store_true",
                        help="also run configs that already have a completed run in the store")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT_DIR,
                        help="folder for logs and the files of grid configs (default: output/ beside this script)")
    return parser


def parse_batch_command_line(parser: argparse.ArgumentParser,
                             argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The runner's options, and the config updates after ``with`` (``key=value``, as ``experiment.py`` takes them)
    that every config of the batch gets.

    Raises:
        ConfigError: Something after ``with`` is not ``key=value``.
    """
    split = argv.index("with") if "with" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    updates = argv[split + 1:]
    config_updates(updates)
    return args, updates


def config_updates(updates: list[str]) -> dict[str, Any]:
    """``key=value`` updates (dotted keys set inside objects) as a config, values read as Sacred reads them.

    Raises:
        ConfigError: An update is not ``key=value``.
    """
    from sacred.arg_parser import get_config_updates

    not_updates = [update for update in updates if "=" not in update]
    if not_updates:
        raise ConfigError(f"After 'with', give config updates as key=value (e.g. epochs=20) for every config of the "
                          f"batch; got {' '.join(not_updates)}.")
    return get_config_updates(updates)[0]


def updated(values: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """``values`` with ``updates`` applied, objects updated key by key (as Sacred applies them)."""
    result = copy.deepcopy(values)
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = updated(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def plan_batch(path: Path, seed: int | None, force: bool,
               store: Callable[[], RunStore] = batch_store, updates: list[str] = ()) -> list[PlannedExperiment]:
    """Every config at ``path``, each checked and, unless ``force``, looked up among the completed runs.

    Args:
        path: A config, a grid or a folder of them.
        seed: Seed given to every experiment, or None for each config's own.
        force: Run configs that already have a completed run.
        store: Opens the store the experiments write to.
        updates: ``key=value`` config updates given to every experiment.

    Raises:
        ConfigError: ``path`` is neither a file nor a folder, or an update is not ``key=value``.
    """
    changes = config_updates(list(updates))
    configs, unreadable = read_batch_configs(path)
    planned = [PlannedExperiment(file.stem, file, None, error) for file, error in unreadable]
    completed = None
    for config in configs:
        values = updated(config.values, changes)
        values = values if seed is None else {**values, "seed": seed}
        try:
            settings = validate_config(values)
        except DeepBottleneckError as exc:
            planned.append(PlannedExperiment(config.name, config.source, config, str(exc)))
            continue
        if not force and completed is None:
            completed = CompletedRuns(store())
        stored_run = None if force else completed.run_id(settings, config.name)
        planned.append(PlannedExperiment(config.name, config.source, config, stored_run=stored_run))
    return sorted(planned, key=lambda item: str(item.source))


def report_plan(planned: list[PlannedExperiment]) -> None:
    """Print, before anything runs, the configs that are not run and why."""
    for item in planned:
        if item.error is not None:
            print(f"invalid {item.name} ({item.source}): {item.error}", file=sys.stderr, flush=True)
        elif item.stored_run is not None:
            print(f"skipped {item.name}: run {item.stored_run} has this config and completed (--force runs it again)",
                  flush=True)


def experiment_arguments(config_file: Path, seed: int | None, updates: list[str] = ()) -> list[str]:
    """What follows ``experiment.py with`` for one config file: the file, the batch's updates, the seed."""
    return [str(config_file), *updates] + ([f"seed={seed}"] if seed is not None else [])


def experiment_command(config_file: Path, seed: int | None, python: str = sys.executable,
                       updates: list[str] = ()) -> list[str]:
    """The command line that runs one config file with the batch's ``updates`` (``key=value``)."""
    return [python, str(EXPERIMENT_SCRIPT), "with", *experiment_arguments(config_file, seed, updates)]
