"""At which epochs the activations of every layer are recorded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

SCHEDULES = ("stepped", "log")


def stepped_epochs(epochs: int) -> np.ndarray:
    """The original's schedule: every epoch below 50, every 2nd below 100, every 20th below 2000,
    then every 100th (230 snapshots for 8000 epochs). Epochs are 0-based and recorded at their end."""
    candidates = np.arange(epochs)
    keep = (
        (candidates < 50)
        | ((candidates < 100) & (candidates % 2 == 0))
        | ((candidates < 2000) & (candidates % 20 == 0))
        | (candidates % 100 == 0)
    )
    return candidates[keep]


def log_epochs(epochs: int, n_snapshots: int) -> np.ndarray:
    """About ``n_snapshots`` log-spaced epochs from 0 to ``epochs - 1`` (duplicates merged)."""
    if epochs <= 0:
        return np.zeros(0, dtype=np.int64)
    spaced = np.logspace(0, np.log10(epochs), num=max(n_snapshots, 1)) - 1
    return np.unique(np.concatenate([[0], np.round(spaced).astype(np.int64), [epochs - 1]]))


def snapshot_epochs(schedule: str, epochs: int, n_log_snapshots: int = 100) -> np.ndarray:
    """Sorted epochs at whose end activations are recorded.

    Args:
        schedule: ``"stepped"`` (the original's) or ``"log"``.
        epochs: Number of training epochs.
        n_log_snapshots: Snapshots asked of the log schedule.
    """
    if schedule == "stepped":
        return stepped_epochs(epochs)
    if schedule == "log":
        return log_epochs(epochs, n_log_snapshots)
    raise ValueError(f"Unknown snapshot schedule {schedule!r}; use one of {SCHEDULES}.")


def recorded_epochs(settings: Mapping[str, Any]) -> np.ndarray:
    """The epochs a run with ``settings`` (its ``snapshot_schedule``, ``epochs`` and ``n_log_snapshots``) records."""
    return snapshot_epochs(settings["snapshot_schedule"], settings["epochs"], settings["n_log_snapshots"])
