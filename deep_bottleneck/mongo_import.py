"""Import runs from Sacred's file store into MongoDB: config, metrics, artifacts, captured output.

    python -m deep_bottleneck.mongo_import [--runs-dir runs] [--mongo-url URL] [--mongo-db NAME]

A file-store run is the same run as a MongoDB run with the same host name and start time. Such a
run is skipped when MongoDB already has it complete, and completed from the file store when MongoDB
holds only part of it (the server went away mid-run). Other runs get the next free integer id.
Importing twice therefore changes nothing the second time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any

from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.run_storage import (DEFAULT_DB, default_runs_dir, mongo_client, redact,
                                         settings_from_environment, unreachable_reason)

def _time(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def read_file_run(folder: Path) -> dict[str, Any]:
    """A file-store run folder as the pieces of a MongoDB run."""
    run = json.loads((folder / "run.json").read_text())
    read = lambda name, default: json.loads((folder / name).read_text()) if (folder / name).exists() else default  # noqa: E731
    return {
        "run": run,
        "config": read("config.json", {}),
        "metrics": read("metrics.json", {}),
        "info": read("info.json", {}),
        "captured_out": (folder / "cout.txt").read_text(errors="replace") if (folder / "cout.txt").exists() else "",
        "artifacts": [(name, folder / name) for name in run.get("artifacts", []) if (folder / name).is_file()],
    }


class MongoImporter:
    """Writes file-store runs into a MongoDB database laid out as Sacred's MongoObserver does."""

    def __init__(self, url: str, db_name: str = DEFAULT_DB) -> None:
        import gridfs

        self.client = mongo_client(url)
        self.db = self.client[db_name]
        self.fs = gridfs.GridFS(self.db)

    def _existing(self, pieces: dict[str, Any]) -> dict[str, Any] | None:
        run = pieces["run"]
        return self.db.runs.find_one({"host.hostname": run.get("host", {}).get("hostname"),
                                      "start_time": _time(run.get("start_time"))})

    def _is_complete(self, existing: dict[str, Any], pieces: dict[str, Any]) -> bool:
        stored_artifacts = {a["name"] for a in existing.get("artifacts", [])}
        stored_metrics = {m["name"] for m in existing.get("info", {}).get("metrics", [])}
        return (existing.get("status") == pieces["run"].get("status")
                and stored_artifacts >= {name for name, _ in pieces["artifacts"]}
                and stored_metrics >= set(pieces["metrics"]))

    def _next_id(self) -> int:
        last = self.db.runs.find_one({"_id": {"$type": "number"}}, sort=[("_id", -1)], projection={"_id": 1})
        return (last["_id"] if last else 0) + 1

    def import_run(self, folder: Path) -> str:
        """Import one run folder; return ``"imported"``, ``"completed"`` or ``"skipped"``."""
        pieces = read_file_run(folder)
        existing = self._existing(pieces)
        if existing is not None and self._is_complete(existing, pieces):
            return "skipped"
        run_id = existing["_id"] if existing is not None else self._next_id()
        run = pieces["run"]
        metric_links = []
        self.db.metrics.delete_many({"run_id": run_id})
        for name, metric in pieces["metrics"].items():
            inserted = self.db.metrics.insert_one({
                "run_id": run_id, "name": name, "steps": metric["steps"], "values": metric["values"],
                "timestamps": [_time(t) for t in metric.get("timestamps", [])],
            })
            metric_links.append({"name": name, "id": str(inserted.inserted_id)})
        artifacts = []
        for name, path in pieces["artifacts"]:
            for old in self.fs.find({"filename": f"artifact://runs/{run_id}/{name}"}):
                self.fs.delete(old._id)
            with open(path, "rb") as f:
                artifacts.append({"name": name, "file_id": self.fs.put(f, filename=f"artifact://runs/{run_id}/{name}")})
        document = {
            "_id": run_id,
            "experiment": {k: v for k, v in run.get("experiment", {}).items() if k != "sources"},
            "format": "MongoObserver-0.7.0", "command": run.get("command"), "host": run.get("host", {}),
            "start_time": _time(run.get("start_time")), "stop_time": _time(run.get("stop_time")),
            "heartbeat": _time(run.get("heartbeat")), "config": pieces["config"], "meta": run.get("meta", {}),
            "status": run.get("status"), "resources": run.get("resources", []), "result": run.get("result"),
            "fail_trace": run.get("fail_trace"), "captured_out": pieces["captured_out"],
            "artifacts": artifacts, "info": {**pieces["info"], "metrics": metric_links},
            "imported_from": str(folder.resolve()),
        }
        self.db.runs.replace_one({"_id": run_id}, document, upsert=True)
        return "completed" if existing is not None else "imported"

    def import_store(self, runs_dir: Path) -> dict[str, str]:
        """Import every run folder of a file store; return what happened to each."""
        folders = sorted((p for p in Path(runs_dir).iterdir() if p.is_dir() and (p / "run.json").exists()),
                         key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name))
        return {str(folder): self.import_run(folder) for folder in folders}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-dir", type=Path, default=default_runs_dir())
    parser.add_argument("--mongo-url", help="default: $DEEP_BOTTLENECK_MONGO_URL")
    parser.add_argument("--mongo-db", help=f"default: $DEEP_BOTTLENECK_MONGO_DB or {DEFAULT_DB}")
    args = parser.parse_args()
    settings = settings_from_environment(args.mongo_url, args.mongo_db)
    if settings is None:
        print("error: give --mongo-url or set DEEP_BOTTLENECK_MONGO_URL", file=sys.stderr)
        return 2
    reason = unreachable_reason(settings.url)
    if reason:
        print(f"error: MongoDB at {redact(settings.url)} is unreachable ({reason}); nothing imported.", file=sys.stderr)
        return 1
    if not args.runs_dir.is_dir():
        print(f"error: no file store at {args.runs_dir}", file=sys.stderr)
        return 2
    try:
        outcome = MongoImporter(settings.url, settings.db_name).import_store(args.runs_dir)
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for folder, what in outcome.items():
        print(f"{what:9} {folder}")
    counts = {what: list(outcome.values()).count(what) for what in ("imported", "completed", "skipped")}
    print(f"{counts['imported']} imported, {counts['completed']} completed, {counts['skipped']} already in MongoDB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
