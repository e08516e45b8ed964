"""Which configs already have a completed run in the store, so that a batch run twice does not run them twice.

A stored run counts when its status is COMPLETED, its name is the batch config's name and its config, checked and
completed with the defaults as before a run, equals the batch config's. The seed is compared like any other key:
runs of one config with other seeds are other samples of the experiment, not copies of it; and a run of another
name is another experiment (the member of another cohort, say), however alike their configs.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from deep_bottleneck.config import KEY_CHECKS, validate_config
from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.eval_tools.run_store import FileRunStore, RunStore


def settings_of(config: dict[str, Any]) -> dict[str, Any] | None:
    """The settings a run of ``config`` uses (its keys checked, defaults filled in); None if it is not valid
    today (a run stored by an older version)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return validate_config({key: value for key, value in config.items() if key in KEY_CHECKS})
    except DeepBottleneckError:
        return None


class CompletedRuns:
    """The completed runs of a store, looked up by config.

    Args:
        store: The store the batch's runs go to (MongoDB or the file store), as eval_tools reads it.
    """

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self._by_seed: dict[int, list[tuple[Any, str, dict[str, Any]]]] = {}

    def _completed_with_seed(self, seed: int) -> list[tuple[Any, str, dict[str, Any]]]:
        if seed not in self._by_seed:
            runs = [run for run in self.store.find_config("seed", seed, True) if run.get("status") == "COMPLETED"]
            self._by_seed[seed] = [(run["_id"], run.get("experiment", {}).get("name", ""), settings_of(run["config"]))
                                   for run in runs]
        return self._by_seed[seed]

    def run_id(self, settings: dict[str, Any], name: str) -> Any | None:
        """The id of the first completed run named ``name`` with exactly these checked ``settings``, or None."""
        return next((run_id for run_id, stored_name, stored in self._completed_with_seed(settings["seed"])
                     if stored_name == name and stored == settings), None)


def batch_store() -> RunStore:
    """The store experiments started from here write to: MongoDB when ``$DEEP_BOTTLENECK_MONGO_URL`` is set and
    the server answers, else the file store."""
    from deep_bottleneck.eval_tools.experiment_loader import ExperimentLoader
    from deep_bottleneck.store.file_store import default_runs_dir
    from deep_bottleneck.store.mongo import redact, settings_from_environment, unreachable_reason

    mongo = settings_from_environment()
    if mongo is not None:
        reason = unreachable_reason(mongo.url)
        if reason is None:
            return ExperimentLoader(mongo.url, mongo.db_name).store
        print(f"MongoDB at {redact(mongo.url)} is unreachable ({reason}); looking for completed runs in the file "
              f"store only.", file=sys.stderr)
    return FileRunStore(default_runs_dir())
