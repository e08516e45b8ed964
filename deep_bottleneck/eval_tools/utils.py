"""Helpers for comparing a cohort of experiments."""

from __future__ import annotations

import json
from typing import Any, Iterable

from deep_bottleneck.eval_tools.experiment import Experiment


def find_differing_config_keys(experiments: Iterable[Experiment]) -> set[str]:
    """The config keys that were assigned different values (or are missing) in a cohort of experiments."""
    configs = [experiment.config for experiment in experiments]
    keys = set().union(*configs) if configs else set()
    missing = object()
    return {
        key for key in keys
        if len({json.dumps(config.get(key, missing), sort_keys=True, default=repr) for config in configs}) > 1
    }


def format_config(config: dict[str, Any], *config_keys: str) -> str:
    """``"key: value, key: value"`` for the given keys (all keys, sorted, when none are given)."""
    keys = config_keys or sorted(config)
    return ", ".join(f"{key}: {config.get(key)}" for key in sorted(keys))
