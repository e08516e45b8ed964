"""One stored run as notebooks see it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from deep_bottleneck.eval_tools.artifact import Artifact, artifact_for
from deep_bottleneck.eval_tools.run_store import RunStore
from deep_bottleneck.store.run_liveness import dead_reason


class Artifacts(dict):
    """Artifacts by name; asking for one the run lacks raises a ``KeyError`` naming the run, its status and the
    artifacts it has."""

    def __init__(self, run_id: Any, status: str | None) -> None:
        super().__init__()
        self.run_id = run_id
        self.status = status

    def __missing__(self, name: str) -> Artifact:
        unfinished = "" if self.status == "COMPLETED" else (
            f" A {self.status} run lacks what a run writes at its end (plots, compression.csv).")
        raise KeyError(f"Experiment {self.run_id!r} ({self.status}) has no artifact {name!r}; it has "
                       f"{sorted(self)}.{unfinished}")


class Experiment:
    """A stored run: its config at once, metrics and artifacts on first use.

    Attributes:
        id: The run's id.
        name: The experiment's name.
        config: The run's config.
        status: ``COMPLETED``, ``RUNNING``, ``FAILED`` ..., or ``DEAD`` for a run recorded as running whose process
            is gone (``store.run_liveness``).
        dead_reason: Why the run is (or was marked) dead, or None.
    """

    def __init__(self, run: dict[str, Any], store: RunStore) -> None:
        self.id = run["_id"]
        self.name = run.get("experiment", {}).get("name", "")
        self.config = dict(run.get("config", {}))
        self.status = run.get("status")
        self.dead_reason = run.get("dead") or dead_reason(run)
        if self.status == "RUNNING" and self.dead_reason:
            self.status = "DEAD"
        self.artifact_names = list(run.get("artifact_names", []))
        self._store = store
        self._metrics: dict[str, pd.Series] | None = None
        self._artifacts: dict[str, Artifact] | None = None

    @property
    def metrics(self) -> dict[str, pd.Series]:
        """A mapping from metric names to pandas Series indexed by epoch."""
        if self._metrics is None:
            self._metrics = self._store.metrics(self.id)
        return self._metrics

    @property
    def artifacts(self) -> dict[str, Artifact]:
        """A mapping from artifact names (with and without extension) to artifacts, loaded when used; a missing
        name raises a ``KeyError`` naming the run, its status and the artifacts it has."""
        if self._artifacts is None:
            self._artifacts = Artifacts(self.id, self.status)
            for name in self.artifact_names:
                artifact = artifact_for(name, lambda name=name: self._store.artifact_content(self.id, name))
                self._artifacts[name] = artifact
                self._artifacts.setdefault(Path(name).stem, artifact)
        return self._artifacts

    def __repr__(self) -> str:
        return f"Experiment(id={self.id!r}, name={self.name!r}, status={self.status!r})"
