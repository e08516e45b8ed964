"""Find stored runs by id, name or config value, of the statuses asked for (completed runs by default)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable

from deep_bottleneck.errors import closest_match_hint
from deep_bottleneck.eval_tools.experiment import Experiment
from deep_bottleneck.eval_tools.run_store import FileRunStore, MongoRunStore, RunStore
from deep_bottleneck.store.file_store import default_runs_dir
from deep_bottleneck.store.mongo import (
    DEFAULT_DB,
    MongoUnavailableError,
    redact,
    settings_from_environment,
    unreachable_reason,
)


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


#: The statuses Sacred gives a run, and ``DEAD`` for a run recorded as running whose process is gone.
STATUSES = ("QUEUED", "RUNNING", "COMPLETED", "FAILED", "INTERRUPTED", "TIMEOUT", "DEAD")
#: What the ``find_by_*`` methods return unless told otherwise: runs that ran to the end, with all their artifacts.
COMPLETED = "COMPLETED"
Status = str | Iterable[str] | None


def _checked_statuses(status: Status) -> set[str] | None:
    """The statuses ``status`` names (None: any).

    Raises:
        ValueError: A status Sacred does not give, naming the closest.
    """
    if status is None:
        return None
    wanted = {status} if isinstance(status, str) else set(status)
    for name in wanted:
        if name not in STATUSES:
            raise ValueError(f"{name!r} is not a run status (one of {', '.join(STATUSES)}, or None for any)."
                             f"{closest_match_hint(str(name), STATUSES)}")
    return wanted


class ExperimentLoader:
    """Loads experiments from MongoDB or from the file store, with one interface.

    Args:
        mongo_uri: MongoDB URL; default ``$DEEP_BOTTLENECK_MONGO_URL``. When neither is set, the file
            store is read.
        db_name: MongoDB database; default ``$DEEP_BOTTLENECK_MONGO_DB`` or ``deep_bottleneck``.
        runs_dir: Read this file store instead (default ``$DEEP_BOTTLENECK_RUNS_DIR`` or ``runs/``).

    Raises:
        MongoUnavailableError: The MongoDB server does not answer.
        ConfigError: ``mongo_uri`` is not a MongoDB URL.
        FileNotFoundError: The file store folder does not exist.
    """

    def __init__(self, mongo_uri: str | None = None, db_name: str | None = None,
                 runs_dir: str | Path | None = None) -> None:
        mongo_uri = mongo_uri or (None if runs_dir else os.environ.get("DEEP_BOTTLENECK_MONGO_URL"))
        if mongo_uri:
            settings = settings_from_environment(mongo_uri)
            if (reason := unreachable_reason(settings.url)) is not None:
                raise MongoUnavailableError(f"MongoDB at {redact(settings.url)} is unreachable ({reason}).")
            self.store: RunStore = MongoRunStore(
                settings.url, db_name or os.environ.get("DEEP_BOTTLENECK_MONGO_DB", DEFAULT_DB))
        else:
            folder = Path(runs_dir or default_runs_dir())
            if not folder.is_dir():
                what = "it is not a folder" if folder.exists() else "no such folder"
                raise FileNotFoundError(f"No file store at {folder}: {what}"
                                        f" (runs_dir, else $DEEP_BOTTLENECK_RUNS_DIR or runs/ in the project).")
            self.store = FileRunStore(folder)

    def _experiments(self, runs: list[dict[str, Any]], statuses: set[str] | None) -> list[Experiment]:
        experiments = [Experiment(run, self.store) for run in runs]
        return [experiment for experiment in experiments if statuses is None or experiment.status in statuses]

    def find_by_id(self, experiment_id: int, status: Status = COMPLETED) -> Experiment:
        """Find the experiment with this id, if it has one of the statuses ``status`` (by default completed
        runs only; None: any status).

        Raises:
            KeyError: No run has this id, or it has another status (the message says which).
            ValueError: ``status`` names no run status.
        """
        statuses = _checked_statuses(status)
        found = self.store.find_ids([experiment_id])
        if not found:
            raise KeyError(f"No experiment with id {experiment_id!r}.")
        (experiment,) = self._experiments(found, None)
        if statuses is not None and experiment.status not in statuses:
            raise KeyError(f"Experiment {experiment_id!r} is {experiment.status}, not "
                           f"{' or '.join(sorted(statuses))}; find_by_id({experiment_id!r}, status=None) loads it "
                           f"whatever its status.")
        return experiment

    def find_by_ids(self, experiment_ids: Iterable[int], status: Status = COMPLETED) -> list[Experiment]:
        """Find experiments by a collection of ids, in the order given; missing ids and runs of other statuses
        than ``status`` (by default completed runs only; None: any status) are left out.

        Raises:
            ValueError: ``status`` names no run status.
        """
        statuses = _checked_statuses(status)
        experiment_ids = list(experiment_ids)
        by_id = {e.id: e for e in self._experiments(self.store.find_ids(experiment_ids), statuses)}
        return [by_id[i] for i in experiment_ids if i in by_id]

    def find_by_name(self, name: str, status: Status = COMPLETED) -> list[Experiment]:
        """Find experiments whose name matches the regex ``name`` (a partial match is enough), of the statuses
        ``status`` (by default completed runs only, which have all their artifacts; None: any status; or e.g.
        ``["RUNNING", "FAILED"]``).

        Raises:
            ValueError: ``name`` is not a valid regular expression, or ``status`` names no run status.
        """
        statuses = _checked_statuses(status)
        return self._experiments(self.store.find_name(_checked_pattern(name)), statuses)

    def find_by_cohort(self, cohort: str, member: str | None = None, status: Status = COMPLETED) -> list[Experiment]:
        """Find the runs of a cohort (config key ``cohort``, which a cohort grid of ``configs/cohorts/`` sets), of the
        statuses ``status``; with ``member``, only the runs of that member (the run's name, exactly).

        Raises:
            ValueError: ``status`` names no run status.
        """
        found = self.find_by_config_key("cohort", cohort, exact=True, status=status)
        return [experiment for experiment in found if member is None or experiment.name == member]

    def find_by_config_key(self, key: str, value: Any, exact: bool = False,
                           status: Status = COMPLETED) -> list[Experiment]:
        """Find experiments by a config value, with MongoDB's query semantics in both stores, of the statuses
        ``status`` (by default completed runs only, which have all their artifacts; None: any status).

        Args:
            key: Config key, dotted for nested values; a number indexes a list (``"callbacks.0.0"``
                is the first callback's name).
            value: With ``exact=False`` a regex searched in string values (a partial match is enough,
                so ``"sgd"`` also finds ``"sgd_momentum"``); with ``exact=True`` the value itself,
                of any type (``None`` also finds runs without the key). A list in the config matches
                when the whole list or any element matches (``("architecture", 6, exact=True)``
                finds ``[6, 4]``).
            exact: Match the whole value exactly.
            status: A run status, a collection of them, or None for any.

        Raises:
            ValueError: ``exact`` is False and ``value`` is not a valid regular expression, or ``status`` names no
                run status.
        """
        statuses = _checked_statuses(status)
        return self._experiments(self.store.find_config(key, value if exact else _checked_pattern(value), exact),
                                 statuses)
