"""The one error type of deep-bottleneck and its kinds.

Every message names the offending input and says what to do about it.
"""

from __future__ import annotations

import difflib
from typing import Iterable


class DeepBottleneckError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(DeepBottleneckError):
    """An experiment config has an unknown key, a wrong type or a bad value."""


class PluginError(DeepBottleneckError):
    """A plug-in (dataset, model, estimator, callback, plotter) cannot be used."""


class EstimationError(DeepBottleneckError):
    """Mutual information cannot be estimated from the given activations."""


class RepetitionError(DeepBottleneckError):
    """A repetition could not finish for a reason outside its own code (its worker process died)."""


class DatasetError(DeepBottleneckError):
    """A data set cannot be loaded (a file is missing or malformed)."""


class RecordWriteError(DeepBottleneckError):
    """A record of a run (a JSON record, a CSV, an activation file) could not be written (disk full, read-only)."""


class DamagedFileError(DeepBottleneckError):
    """A stored file exists but cannot be read as what it should be (cut short, overwritten, not that format)."""


class ConfigWarning(UserWarning):
    """A config is usable but has something the user should change."""


def closest_match_hint(name: str, candidates: Iterable[str]) -> str:
    """Return a ' Did you mean ...?' sentence for the closest candidates, or ''.

    Args:
        name: The misspelt name.
        candidates: The valid names.
    """
    candidates = list(candidates)
    scored = sorted(((difflib.SequenceMatcher(None, name, c).ratio(), c) for c in candidates), reverse=True)
    best = scored[0][0] if scored else 0.0
    matches = [c for score, c in scored[:3] if score >= 0.5 and score >= best - 0.05]
    if not matches:
        short = [c for c in candidates if c.split(".")[-1] == name.split(".")[-1]]
        matches = short[:3]
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"
