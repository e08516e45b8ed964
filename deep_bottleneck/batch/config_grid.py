"""Experiment configs of a batch: plain JSON configs, and grids that expand to many.

A grid is a JSON file with a ``"grid"`` key: an object of axes, each a config key (a dotted key reaches inside
``estimator_args``) and the list of its values; every other key is a value all its configs share. It expands to
one config per combination of values (axes in the file's order), named after the file and the varied values::

    {"epochs": 3000, "architecture": [10, 7, 5, 4, 3],
     "grid": {"activation_fn": ["tanh", "relu"], "learning_rate": [0.0004, 0.001]}}

in ``cohort_5.json`` gives ``cohort_5_activation_fn_tanh_learning_rate_0.0004`` and three more. ``"grid"`` may
also be a list of such objects: the configs of each, together (e.g. each estimator with its own range). A grid may
state what it tests under ``"hypothesis"`` (text, not given to its configs).
Names depend only on the file's name and content, so expanding twice gives the same names.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deep_bottleneck.errors import ConfigError

GRID_KEY = "grid"
#: A grid's statement of what it tests (the cohorts of ``configs/cohorts/``): part of the file, not of its configs.
HYPOTHESIS_KEY = "hypothesis"
#: Longest name of an expanded config: its file name must fit in 255 bytes.
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class BatchConfig:
    """One experiment of a batch.

    Attributes:
        name: The run's name: the file's stem, or the grid's stem and varied values.
        source: The JSON file it was read from.
        values: The config as written (for a grid: shared values and this combination).
        from_grid: Whether it was expanded from a grid (and so has no file of its own yet).
    """

    name: str
    source: Path
    values: dict[str, Any]
    from_grid: bool = False

    def config_file(self, folder: Path) -> Path:
        """A file holding this config: the source, or for a grid's config ``folder/<hash>/<name>.json``.

        The hash of the content keeps a queued job's file from being overwritten by a changed grid.
        """
        if not self.from_grid:
            return self.source
        text = json.dumps(self.values, indent=2, sort_keys=True)
        path = Path(folder) / hashlib.sha256(text.encode()).hexdigest()[:12] / f"{self.name}.json"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n")
        return path


def _name_part(value: Any) -> str:
    """A value as it appears in a name: ``[10, 7]`` as ``10-7``, other characters than letters, digits,
    ``_``, ``.`` and ``-`` as ``-``."""
    if isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, (list, tuple)):
        text = "-".join(_name_part(v) for v in value) or "empty"
    elif isinstance(value, dict):
        text = "-".join(f"{k}-{_name_part(v)}" for k, v in value.items()) or "empty"
    else:
        text = str(value)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


def _set_dotted(config: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for parent in parents:
        config = config.setdefault(parent, {})
        if not isinstance(config, dict):
            raise ConfigError(f"Grid axis {key!r}: {parent!r} is not an object of arguments.")
    config[last] = copy.deepcopy(value)


def _axes(source: Path, axes: Any, shared: dict[str, Any]) -> list[tuple[str, list]]:
    if not isinstance(axes, dict) or not axes:
        raise ConfigError(f"{source}: {GRID_KEY!r} must be an object of config keys and their lists of values "
                          f"(or a list of such objects), got {axes!r}.")
    for key, values in axes.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{source}: grid axis {key!r} must be a non-empty list of values, got {values!r}.")
        if key.split(".")[0] in shared and "." not in key:
            raise ConfigError(f"{source}: {key!r} is both a grid axis and a shared value; keep one.")
    return list(axes.items())


def expand_grid(source: Path, content: dict[str, Any]) -> list[BatchConfig]:
    """The configs of the grid ``content`` read from ``source``.

    Raises:
        ConfigError: The grid is malformed, or two of its configs get one name but differ.
    """
    hypothesis = content.get(HYPOTHESIS_KEY, "")
    if not isinstance(hypothesis, str):
        raise ConfigError(f"{source}: {HYPOTHESIS_KEY!r} must be text, got {hypothesis!r}.")
    shared = {key: value for key, value in content.items() if key not in (GRID_KEY, HYPOTHESIS_KEY)}
    grids = content[GRID_KEY] if isinstance(content[GRID_KEY], list) and content[GRID_KEY] else [content[GRID_KEY]]
    by_name: dict[str, BatchConfig] = {}
    for axes in grids:
        axes = _axes(source, axes, shared)
        for combination in itertools.product(*(values for _, values in axes)):
            values = copy.deepcopy(shared)
            parts = [source.stem]
            for (key, _), value in zip(axes, combination):
                _set_dotted(values, key, value)
                parts += [key.replace(".", "-"), _name_part(value)]
            name = "_".join(parts)
            if len(name) > MAX_NAME_LENGTH:
                raise ConfigError(f"{source}: the name {name[:60]!r}... is longer than {MAX_NAME_LENGTH} characters; "
                                  f"use shorter values on the axes or fewer axes.")
            config = BatchConfig(name, source, values, from_grid=True)
            if name in by_name and by_name[name].values != values:
                raise ConfigError(f"{source}: two configs would both be named {name!r}: {by_name[name].values} and "
                                  f"{values}; make the values on the axes differ in letters or digits.")
            by_name[name] = config
    return list(by_name.values())


def read_batch_configs(path: Path) -> tuple[list[BatchConfig], list[tuple[Path, str]]]:
    """The configs in the JSON file ``path``, or in every JSON file below the folder ``path`` (recursively).

    Returns:
        The configs (grids expanded), in file order, and the files that could not be read, each with the
        reason in one line.

    Raises:
        ConfigError: ``path`` is neither a file nor a folder.
    """
    path = Path(path)
    if path.is_file():
        files = [path.resolve()]
    elif path.is_dir():
        files = sorted(p.resolve() for p in path.rglob("*.json"))
    else:
        raise ConfigError(f"No config file or folder at {str(path)!r}.")
    configs: list[BatchConfig] = []
    unreadable: list[tuple[Path, str]] = []
    for file in files:
        try:
            content = json.loads(file.read_text())
        except json.JSONDecodeError as exc:
            unreadable.append((file, f"not valid JSON: {exc}"))
            continue
        if not isinstance(content, dict):
            unreadable.append((file, f"must hold an object of config keys, got {type(content).__name__}"))
        elif GRID_KEY in content:
            try:
                configs += expand_grid(file, content)
            except ConfigError as exc:
                unreadable.append((file, str(exc).removeprefix(f"{file}: ")))
        else:
            configs.append(BatchConfig(file.stem, file, content))
    return configs, unreadable
