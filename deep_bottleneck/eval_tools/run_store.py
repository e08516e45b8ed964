"""Read access to stored runs, the same over MongoDB and Sacred's file store."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Protocol

import pandas as pd


class RunStore(Protocol):
    """Where runs are read from. Run documents carry ``_id``, ``experiment``, ``config``, ``status``
    and ``artifact_names``."""

    def find_ids(self, ids: Iterable[int]) -> list[dict[str, Any]]: ...

    def find_name(self, pattern: str) -> list[dict[str, Any]]: ...

    def find_config(self, key: str, value: Any, exact: bool) -> list[dict[str, Any]]: ...

    def metrics(self, run_id: Any) -> dict[str, pd.Series]: ...

    def artifact_content(self, run_id: Any, name: str) -> bytes: ...


def _series(name: str, steps: list, values: list) -> pd.Series:
    """A metric's values indexed by epoch (the step every metric is logged at)."""
    return pd.Series(values, index=pd.Index(steps, name="epoch"), name=name)


class MongoRunStore:
    """Runs written by Sacred's MongoObserver (``runs``, ``metrics``, GridFS)."""

    PROJECTION = {"experiment.name": 1, "config": 1, "status": 1, "artifacts": 1, "start_time": 1, "host": 1,
                  "heartbeat": 1, "dead": 1}

    def __init__(self, url: str, db_name: str) -> None:
        import gridfs

        from deep_bottleneck.store.mongo import mongo_client

        self.client = mongo_client(url)
        self.db = self.client[db_name]
        self.fs = gridfs.GridFS(self.db)

    def _find(self, query: dict) -> list[dict[str, Any]]:
        runs = list(self.db.runs.find(query, self.PROJECTION).sort("_id", 1))
        for run in runs:
            run["artifact_names"] = [artifact["name"] for artifact in run.get("artifacts", [])]
        return runs

    def find_ids(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        return self._find({"_id": {"$in": list(ids)}})

    def find_name(self, pattern: str) -> list[dict[str, Any]]:
        return self._find({"experiment.name": {"$regex": pattern}})

    def find_config(self, key: str, value: Any, exact: bool) -> list[dict[str, Any]]:
        return self._find({f"config.{key}": value if exact else {"$regex": value}})

    def metrics(self, run_id: Any) -> dict[str, pd.Series]:
        return {doc["name"]: _series(doc["name"], doc["steps"], doc["values"])
                for doc in self.db.metrics.find({"run_id": run_id})}

    def artifact_content(self, run_id: Any, name: str) -> bytes:
        run = self.db.runs.find_one({"_id": run_id}, {"artifacts": 1})
        for artifact in (run or {}).get("artifacts", []):
            if artifact["name"] == name:
                return self.fs.get(artifact["file_id"]).read()
        raise KeyError(f"Run {run_id} has no artifact {name!r}.")


_MISSING = object()


def _values_at(value: Any, path: list[str], positional: bool = False) -> list[tuple[Any, bool]]:
    """What a dotted path reaches, as MongoDB resolves it, each with whether an array index picked it.

    A name is looked up in a document and in each document directly inside an array; a number also
    indexes an array. A document without the name, a scalar on the way, or an index past the end gives
    a missing value.
    """
    if not path:
        return [(value, positional)]
    part, rest = path[0], path[1:]
    if isinstance(value, dict):
        return _values_at(value[part], rest) if part in value else [(_MISSING, False)]
    if not isinstance(value, list):
        return [(_MISSING, False)]
    reached = [found for element in value if isinstance(element, dict) for found in _values_at(element, path)]
    if part.isdigit():
        index = int(part)
        reached += _values_at(value[index], rest, positional=not rest) if index < len(value) else [(_MISSING, False)]
    return reached


def _equal(stored: Any, wanted: Any) -> bool:
    """Equality of BSON values: booleans are not numbers, and a tuple is an array."""
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return type(stored) is type(wanted) and stored == wanted
    if isinstance(stored, list) and isinstance(wanted, (list, tuple)):
        return len(stored) == len(wanted) and all(map(_equal, stored, wanted))
    if isinstance(stored, dict) and isinstance(wanted, dict):
        return stored.keys() == wanted.keys() and all(_equal(stored[k], wanted[k]) for k in stored)
    if isinstance(stored, (int, float)) and isinstance(wanted, (int, float)):
        return stored == wanted
    return type(stored) is type(wanted) and stored == wanted


def config_matches(config: dict[str, Any], key: str, value: Any, exact: bool) -> bool:
    """Whether MongoDB's ``{"config.<key>": value}`` (``{"$regex": value}`` unless ``exact``) matches ``config``.

    As in MongoDB, ``key`` may index arrays (``callbacks.0.0``); a value reached by name that is an
    array matches when any element matches (``architecture`` 6 finds ``[6, 4]``), while one picked by
    an index is compared whole; ``None`` also matches a missing key; a regex matches strings only.
    Unlike MongoDB, documents compare equal whatever the order of their keys (the file store sorts them).
    """
    if exact:
        test = lambda found: _equal(found, value) or (value is None and found is _MISSING)  # noqa: E731
    else:
        test = lambda found: isinstance(found, str) and re.search(value, found) is not None  # noqa: E731
    return any(test(found) or (isinstance(found, list) and not positional and any(map(test, found)))
               for found, positional in _values_at(config, key.split(".")))


class FileRunStore:
    """Runs written by Sacred's FileStorageObserver: one numbered folder per run."""

    def __init__(self, runs_dir: str | Path) -> None:
        self.runs_dir = Path(runs_dir)

    def _run(self, folder: Path) -> dict[str, Any] | None:
        try:
            run = json.loads((folder / "run.json").read_text())
            config = json.loads((folder / "config.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        run_id = int(folder.name) if folder.name.isdigit() else folder.name
        return {"_id": run_id, "experiment": run.get("experiment", {}), "config": config,
                "status": run.get("status"), "artifact_names": run.get("artifacts", []),
                **{key: run[key] for key in ("host", "start_time", "heartbeat", "dead") if key in run}}

    def _read(self, folders: Iterable[Path]) -> list[dict[str, Any]]:
        ordered = sorted((p for p in folders if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
        return [run for run in map(self._run, ordered) if run is not None]

    def _all(self) -> list[dict[str, Any]]:
        return self._read(self.runs_dir.iterdir()) if self.runs_dir.is_dir() else []

    def find_ids(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        return self._read({self.runs_dir / str(run_id) for run_id in ids})

    def find_name(self, pattern: str) -> list[dict[str, Any]]:
        return [run for run in self._all() if re.search(pattern, run["experiment"].get("name", ""))]

    def find_config(self, key: str, value: Any, exact: bool) -> list[dict[str, Any]]:
        return [run for run in self._all() if config_matches(run["config"], key, value, exact)]

    def metrics(self, run_id: Any) -> dict[str, pd.Series]:
        path = self.runs_dir / str(run_id) / "metrics.json"
        stored = json.loads(path.read_text()) if path.exists() else {}
        return {name: _series(name, metric["steps"], metric["values"]) for name, metric in stored.items()}

    def artifact_content(self, run_id: Any, name: str) -> bytes:
        path = self.runs_dir / str(run_id) / name
        if not path.is_file():
            raise KeyError(f"Run {run_id} has no artifact {name!r} ({path}).")
        return path.read_bytes()
