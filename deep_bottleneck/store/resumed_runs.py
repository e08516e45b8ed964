"""Resuming a stored run under its own id: which runs may be resumed, and Sacred observers that continue a run's
record in the file store and in MongoDB instead of starting a new one.

A resumed run keeps its id, its first ``start_time``, its captured output (new output is appended) and its sources;
its status goes back to ``RUNNING``; ``resumed`` lists each resume (time, the status it had, why it had ended). Its
metrics are cleared when it resumes: the pipeline logs them again from the checkpoints (``run.pipeline``), so that
no epoch is recorded twice. Its artifacts are listed again as the resumed run writes them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sacred.observers import MongoObserver

from deep_bottleneck.store.file_store import FileStore
from deep_bottleneck.store.run_folder import CAPTURED_OUTPUT, METRICS_RECORD, RUN_RECORD, RunFolder
from deep_bottleneck.store.run_liveness import dead_reason

#: Fields of an ended run that a resumed run no longer has.
ENDED_FIELDS = ("fail_trace", "stop_time", "result", "dead")


def _resume_record(earlier: dict[str, Any], time: Any) -> dict[str, Any]:
    record = {"time": time, "earlier_status": earlier.get("status")}
    reason = earlier.get("dead") or dead_reason(earlier)
    if reason:
        record["reason"] = reason
    elif earlier.get("fail_trace"):
        record["reason"] = str(earlier["fail_trace"][-1]).strip()
    return record


class ResumedFileStore(FileStore):
    """The file store, continuing run ``run_id`` in its folder instead of starting a new run.

    Args:
        runs_dir: Root of the file store.
        run_id: The run to continue (its folder ``runs_dir/<run_id>`` holds ``run.json``).
    """

    def __init__(self, runs_dir: Path, run_id: str) -> None:
        super().__init__(runs_dir)
        self.run_id = str(run_id)

    def started_event(self, ex_info, command, host_info, start_time, config, meta_info, _id):
        self.dir = os.path.join(self.basedir, self.run_id)
        folder = RunFolder(self.dir)
        earlier = folder.read_record(RUN_RECORD)
        ex_info["sources"] = self.save_sources(ex_info)
        self.run_entry = {
            "experiment": dict(ex_info), "command": command, "host": dict(host_info),
            "start_time": earlier.get("start_time") or start_time.isoformat(), "meta": meta_info,
            "status": "RUNNING", "resources": [], "artifacts": [], "heartbeat": None,
            "resumed": list(earlier.get("resumed", [])) + [_resume_record(earlier, start_time.isoformat())],
        }
        self.config = config
        self.info = {}
        # New captured output is appended to the earlier one.
        self.cout = ""
        self.cout_write_cursor = 0
        folder.record(METRICS_RECORD).unlink(missing_ok=True)
        self.save_json(self.run_entry, RUN_RECORD)
        self.save_json(self.config, "config.json")
        if not folder.record(CAPTURED_OUTPUT).exists():
            self.save_cout()
        return int(self.run_id) if self.run_id.isdigit() else self.run_id

    def __repr__(self) -> str:
        return f"file store {self.basedir} (resuming run {self.run_id})"


class ResumedMongoObserver(MongoObserver):
    """Sacred's MongoObserver, continuing the run document ``run_id`` (Sacred's ``overwrite``): its metrics and
    earlier artifacts are deleted (they are logged and stored again), its captured output is kept and continued.

    Args:
        url: The MongoDB URL.
        db_name: The database.
        run_id: The run to continue.
    """

    def __init__(self, url: str, db_name: str, run_id: int, **kwargs: Any) -> None:
        super().__init__(url=url, db_name=db_name, overwrite=run_id, **kwargs)
        self._earlier_output = ""

    def started_event(self, ex_info, command, host_info, start_time, config, meta_info, _id):
        earlier = self.overwrite
        run_id = earlier["_id"]
        self._earlier_output = earlier.get("captured_out") or ""
        for artifact in earlier.get("artifacts", []):
            if self.fs.exists(artifact.get("file_id")):
                self.fs.delete(artifact["file_id"])
        self.metrics.delete_many({"run_id": run_id})
        record = _resume_record(earlier, start_time)
        first_start = earlier.get("start_time")
        for name in ENDED_FIELDS:
            earlier.pop(name, None)
        self.runs.update_one({"_id": run_id}, {"$unset": {name: "" for name in ENDED_FIELDS}})
        result = super().started_event(ex_info, command, host_info, start_time, config, meta_info, _id)
        self.run_entry["start_time"] = first_start or start_time
        self.run_entry["captured_out"] = self._earlier_output
        self.run_entry["resumed"] = list(self.run_entry.get("resumed", [])) + [record]
        self.save()
        return result

    def heartbeat_event(self, info, captured_out, beat_time, result):
        super().heartbeat_event(info, self._earlier_output + captured_out, beat_time, result)
