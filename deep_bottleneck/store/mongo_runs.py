"""Import runs from Sacred's file store into MongoDB: config, metrics, artifacts, sources, captured output.

    python -m deep_bottleneck.cli.mongo_import [--runs_dir runs] [--mongo_url URL] [--mongo_db NAME]

Runs are written as Sacred's MongoObserver writes them, so Omniboard and incense read imported runs as
they read runs stored directly: artifacts go to GridFS with their content type, and the experiment's
source files (``runs/_sources``) go to GridFS under their original path, one copy per path and content.

A file-store run is the same run as a MongoDB run with the same host name and start time. Such a
run is skipped when MongoDB already has it complete, and completed from the file store when MongoDB
holds only part of it (the server went away mid-run, or an earlier import left out its sources).
Other runs keep their file-store id (``runs/7`` becomes MongoDB run 7) when MongoDB has no run with
that id, else get the next free id, which the command prints. Importing twice therefore changes
nothing the second time.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

from deep_bottleneck.errors import DamagedFileError
from deep_bottleneck.store.mongo import DEFAULT_DB, content_type, mongo_client
from deep_bottleneck.store.run_folder import (
    CAPTURED_OUTPUT,
    CONFIG_RECORD,
    INFO_RECORD,
    METRICS_RECORD,
    RUN_RECORD,
    RunFolder,
)

RUN_FIELDS = ("command", "host", "meta", "status", "resources", "result", "fail_trace")
TIME_FIELDS = ("start_time", "stop_time", "heartbeat")


class Imported(NamedTuple):
    """What the import did with one file-store run.

    Attributes:
        outcome: ``"imported"``, ``"completed"``, ``"skipped"`` or ``"failed"`` (the folder's records cannot be
            read; nothing of it was imported).
        run_id: The run's id in MongoDB (None when failed).
        reason: Why it failed, in one line, or None.
    """

    outcome: str
    run_id: int | None
    reason: str | None = None


def _time(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def read_file_run(folder: Path) -> dict[str, Any]:
    """A file-store run folder as the pieces of a MongoDB run.

    ``sources`` pairs each source name with where the file store keeps its copy; ``artifacts`` pairs
    each artifact name with its file.
    """
    run_folder = RunFolder(folder)
    run = run_folder.read_record(RUN_RECORD)
    captured = run_folder.record(CAPTURED_OUTPUT)
    return {
        "run": run,
        "config": run_folder.read_record(CONFIG_RECORD, {}),
        "metrics": run_folder.read_record(METRICS_RECORD, {}),
        "info": run_folder.read_record(INFO_RECORD, {}),
        "captured_out": captured.read_text(errors="replace") if captured.exists() else "",
        "artifacts": [(name, run_folder.output(name)) for name in run.get("artifacts", [])
                      if run_folder.output(name).is_file()],
        # Stored paths are relative to the file store's root, the run folder's parent.
        "sources": [(name, folder.parent / stored) for name, stored in run.get("experiment", {}).get("sources", [])],
    }


class MongoImporter:
    """Writes file-store runs into a MongoDB database laid out as Sacred's MongoObserver does."""

    def __init__(self, url: str, db_name: str = DEFAULT_DB) -> None:
        import gridfs

        self.client = mongo_client(url)
        self.db = self.client[db_name]
        self.fs = gridfs.GridFS(self.db)

    def same_run(self, run: dict[str, Any], folder: Path,
                 projection: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """MongoDB's document of the file-store run in ``folder`` whose ``run.json`` is ``run``, or None.

        It has the run's host name and start time (MongoDB keeps milliseconds, so two runs started in one
        millisecond share them) and also the run's id, or was imported from ``folder``, or has the run's process id.
        """
        host = run.get("host", {})
        fields = None if projection is None else {**projection, "_id": 1, "imported_from": 1, "host.pid": 1}
        for document in self.db.runs.find({"host.hostname": host.get("hostname"),
                                           "start_time": _time(run.get("start_time"))}, fields):
            if (str(document["_id"]) == folder.name or document.get("imported_from") == str(folder.resolve())
                    or (host.get("pid") is not None and document.get("host", {}).get("pid") == host["pid"])):
                return document
        return None

    def _is_complete(self, existing: dict[str, Any], pieces: dict[str, Any]) -> bool:
        stored_artifacts = {a["name"] for a in existing.get("artifacts", [])}
        stored_metrics = {m["name"] for m in existing.get("info", {}).get("metrics", [])}
        return (existing.get("status") == pieces["run"].get("status")
                and "sources" in existing.get("experiment", {})
                and stored_artifacts >= {name for name, _ in pieces["artifacts"]}
                and stored_metrics >= set(pieces["metrics"]))

    def _next_id(self) -> int:
        last = self.db.runs.find_one({"_id": {"$type": "number"}}, sort=[("_id", -1)], projection={"_id": 1})
        return (last["_id"] if last else 0) + 1

    def _insert(self, document: dict[str, Any], wanted_id: int | None) -> int:
        """Insert a new run under ``wanted_id`` if MongoDB has no run with it, else under the next free id."""
        from pymongo.errors import DuplicateKeyError

        document["_id"] = wanted_id if wanted_id is not None else self._next_id()
        while True:
            try:
                self.db.runs.insert_one(document)
                return document["_id"]
            except DuplicateKeyError:
                document["_id"] = self._next_id()

    def _save_sources(self, base_dir: str, sources: list[tuple[str, Path]], folder: Path) -> list[list[Any]]:
        """Sources as ``MongoObserver.save_sources`` stores them: ``[[name, file_id], ...]``."""
        from sacred.dependencies import get_digest

        saved = []
        for name, path in sources:
            if not path.is_file():
                print(f"warning: {folder}: source {name!r} is not in the file store ({path}); left out",
                      file=sys.stderr)
                continue
            filename, md5 = os.path.join(base_dir, name), get_digest(path)
            stored = self.fs.find_one({"filename": filename, "md5": md5})
            if stored is None:
                # MongoObserver finds sources by filename and md5, a field pymongo 4 no longer writes.
                with open(path, "rb") as f:
                    saved.append([name, self.fs.put(f, filename=filename, md5=md5)])
            else:
                saved.append([name, stored._id])
        return saved

    def _save_artifacts(self, run_id: int, artifacts: list[tuple[str, Path]]) -> list[dict[str, Any]]:
        """Artifacts in GridFS as ``MongoObserver`` stores them (a file of the same name replaced)."""
        saved = []
        for name, path in artifacts:
            filename = f"artifact://runs/{run_id}/{name}"
            for old in self.fs.find({"filename": filename}):
                self.fs.delete(old._id)
            with open(path, "rb") as f:
                file_id = self.fs.put(f, filename=filename, metadata=None, content_type=content_type(name))
            saved.append({"name": name, "file_id": file_id})
        return saved

    def add_artifacts(self, run_id: int, files: list[Path]) -> None:
        """Add ``files`` to the artifacts of MongoDB run ``run_id``, as the run's observer would have."""
        for artifact in self._save_artifacts(run_id, [(path.name, path) for path in files]):
            self.db.runs.update_one({"_id": run_id}, {"$push": {"artifacts": artifact}})

    def close(self) -> None:
        """Close the connection."""
        self.client.close()

    def _save_metrics(self, run_id: int, metrics: dict[str, Any]) -> list[dict[str, str]]:
        self.db.metrics.delete_many({"run_id": run_id})
        links = []
        for name, metric in metrics.items():
            inserted = self.db.metrics.insert_one({
                "run_id": run_id, "name": name, "steps": metric["steps"], "values": metric["values"],
                "timestamps": [_time(t) for t in metric.get("timestamps", [])],
            })
            links.append({"name": name, "id": str(inserted.inserted_id)})
        return links

    def import_run(self, folder: Path) -> Imported:
        """Import one run folder; see :class:`Imported` for what it returns."""
        pieces = read_file_run(folder)
        existing = self.same_run(pieces["run"], folder)
        if existing is not None and self._is_complete(existing, pieces):
            return Imported("skipped", existing["_id"])
        run = pieces["run"]
        experiment = dict(run.get("experiment", {}))
        stored_sources = (existing or {}).get("experiment", {}).get("sources")
        experiment["sources"] = (stored_sources if stored_sources is not None
                                 else self._save_sources(experiment.get("base_dir", ""), pieces["sources"], folder))
        # The fields MongoObserver writes, where the run has them (stop_time only once it ended, ...).
        document = {
            "experiment": experiment, "format": "MongoObserver-0.7.0",
            **{key: run[key] for key in RUN_FIELDS if key in run},
            **{key: _time(run[key]) for key in TIME_FIELDS if key in run},
            "config": pieces["config"], "captured_out": pieces["captured_out"], "artifacts": [],
            "info": {**pieces["info"], "metrics": []}, "imported_from": str(folder.resolve()),
        }
        if existing is None:
            # The run holds its id from here on; an import stopped before the end is completed next time.
            run_id = self._insert(document, int(folder.name) if folder.name.isdigit() else None)
        else:
            run_id = document["_id"] = existing["_id"]
        document["info"]["metrics"] = self._save_metrics(run_id, pieces["metrics"])
        document["artifacts"] = self._save_artifacts(run_id, pieces["artifacts"])
        self.db.runs.replace_one({"_id": run_id}, document, upsert=True)
        return Imported("completed" if existing is not None else "imported", run_id)

    def import_store(self, runs_dir: Path) -> dict[str, Imported]:
        """Import every run folder of a file store, in the order of their ids; return what happened to each.

        A folder whose records cannot be read (a damaged ``run.json``, a record of the wrong shape) is reported as
        ``failed`` with the reason, and the import goes on with the next one.
        """
        folders = sorted((p for p in Path(runs_dir).iterdir() if p.is_dir() and RunFolder(p).has_run()),
                         key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name))
        outcomes = {}
        for folder in folders:
            try:
                outcomes[str(folder)] = self.import_run(folder)
            except DamagedFileError as exc:
                outcomes[str(folder)] = Imported("failed", None, str(exc))
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                outcomes[str(folder)] = Imported("failed", None, f"its records are not a Sacred run "
                                                                 f"({type(exc).__name__}: {exc}).")
        return outcomes
