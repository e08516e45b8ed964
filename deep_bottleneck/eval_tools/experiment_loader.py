"""Find stored runs by id, name or config value."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable

from deep_bottleneck.eval_tools.experiment import Experiment
from deep_bottleneck.eval_tools.run_store import FileRunStore, MongoRunStore, RunStore
from deep_bottleneck.store.file_store import default_runs_dir
from deep_bottleneck.store.mongo import DEFAULT_DB


def _checked_pattern(pattern: Any) -> str:
    """``pattern`` if it is a regular expression both stores accept.

    Raises:
        ValueError: ``pattern`` is not a string or not a valid regular expression (MongoDB would raise
            ``OperationFailure`` and the file store ``re.error``; both stores raise this instead).
    """
    if not isinstance(pattern, str):
        raise ValueError(f"{pattern!r} is not a regular expression (a string); to match a value that is not "
                         f"a string, pass exact=True.")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}.") from None
    return pattern


class ExperimentLoader:
    """Loads experiments from MongoDB or from the file store, with one interface.

    Args:
        mongo_uri: MongoDB URL; default ``$DEEP_BOTTLENECK_MONGO_URL``. When neither is set, the file
            store is read.
        db_name: MongoDB database; default ``$DEEP_BOTTLENECK_MONGO_DB`` or ``deep_bottleneck``.
        runs_dir: Read this file store instead (default ``$DEEP_BOTTLENECK_RUNS_DIR`` or ``runs/``).
    """

    def __init__(self, mongo_uri: str | None = None, db_name: str | None = None,
                 runs_dir: str | Path | None = None) -> None:
        mongo_uri = mongo_uri or (None if runs_dir else os.environ.get("DEEP_BOTTLENECK_MONGO_URL"))
        if mongo_uri:
            self.store: RunStore = MongoRunStore(
                mongo_uri, db_name or os.environ.get("DEEP_BOTTLENECK_MONGO_DB", DEFAULT_DB))
        else:
            self.store = FileRunStore(runs_dir or default_runs_dir())

    def _experiments(self, runs: list[dict[str, Any]]) -> list[Experiment]:
        return [Experiment(run, self.store) for run in runs]

    def find_by_id(self, experiment_id: int) -> Experiment:
        """Find the experiment with this id.

        Raises:
            KeyError: No run has this id.
        """
        found = self.store.find_ids([experiment_id])
        if not found:
            raise KeyError(f"No experiment with id {experiment_id!r}.")
        return self._experiments(found)[0]

    def find_by_ids(self, experiment_ids: Iterable[int]) -> list[Experiment]:
        """Find experiments by a collection of ids, in the order given (missing ids are left out)."""
        experiment_ids = list(experiment_ids)
        by_id = {e.id: e for e in self._experiments(self.store.find_ids(experiment_ids))}
        return [by_id[i] for i in experiment_ids if i in by_id]

    def find_by_name(self, name: str) -> list[Experiment]:
        """Find experiments whose name matches the regex ``name`` (a partial match is enough).

        Raises:
            ValueError: ``name`` is not a valid regular expression.
        """
        return self._experiments(self.store.find_name(_checked_pattern(name)))

    def find_by_config_key(self, key: str, value: Any, exact: bool = False) -> list[Experiment]:
        """Find experiments by a config value, with MongoDB's query semantics in both stores.

        Args:
            key: Config key, dotted for nested values; a number indexes a list (``"callbacks.0.0"``
                is the first callback's name).
            value: With ``exact=False`` a regex searched in string values (a partial match is enough,
                so ``"sgd"`` also finds ``"sgd_momentum"``); with ``exact=True`` the value itself,
                of any type (``None`` also finds runs without the key). A list in the config matches
                when the whole list or any element matches (``("architecture", 6, exact=True)``
                finds ``[6, 4]``).
            exact: Match the whole value exactly.

        Raises:
            ValueError: ``exact`` is False and ``value`` is not a valid regular expression.
        """
        return self._experiments(self.store.find_config(key, value if exact else _checked_pattern(value), exact))
