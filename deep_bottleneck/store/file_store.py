"""Sacred's file store: run folders under ``runs/`` (or ``$DEEP_BOTTLENECK_RUNS_DIR``), one id per run."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable

from sacred.observers import FileStorageObserver
from sacred.serializer import flatten

from deep_bottleneck.errors import ConfigError, RecordWriteError
from deep_bottleneck.record_file import reported_write_failures, write_text_atomically
from deep_bottleneck.store.run_folder import ID_LOCK_FILE, numbered_run_folders

logger = logging.getLogger("deep_bottleneck.runs")

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def default_runs_dir(project_root: Path = PROJECT_ROOT) -> Path:
    """The file store: ``$DEEP_BOTTLENECK_RUNS_DIR``, else ``runs/`` in the project folder."""
    return Path(os.environ.get("DEEP_BOTTLENECK_RUNS_DIR", project_root / "runs"))


#: Above MongoObserver's 30: the file store picks each run's id and MongoDB stores the run under it.
FILE_STORE_PRIORITY = 40


def check_runs_dir(runs_dir: Path) -> None:
    """Make sure runs can be stored in ``runs_dir`` (created if missing).

    Raises:
        ConfigError: It is a file, or cannot be created or written in (read-only, no permission, disk full).
    """
    runs_dir = Path(runs_dir)
    where = f"The file store {runs_dir} ($DEEP_BOTTLENECK_RUNS_DIR, else runs/ beside experiment.py)"
    if runs_dir.exists() and not runs_dir.is_dir():
        raise ConfigError(f"{where} is a file, not a folder; point $DEEP_BOTTLENECK_RUNS_DIR to a folder.")
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(prefix=".write-check-", dir=runs_dir)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{where} cannot be written in: {exc.strerror or exc}. Nothing was run.") from None


def check_free_run_id(runs_dir: Path, run_id: str) -> None:
    """Raise ``ConfigError`` when the file store already holds a run ``run_id`` (Sacred's ``--id``)."""
    if (Path(runs_dir) / str(run_id)).exists():
        raise ConfigError(f"--id {run_id}: the file store {runs_dir} already holds run {run_id}; leave --id out to "
                          f"get the next free id ({largest_folder_run_id(runs_dir) + 1}).")


def largest_folder_run_id(runs_dir: Path) -> int:
    """The largest numbered run folder in a file store (0 when there is none)."""
    return max((int(folder.name) for folder in numbered_run_folders(runs_dir)), default=0)


class FileStore(FileStorageObserver):
    """Sacred's file store, giving each run an id no run has in this folder or in the other store.

    Ids are chosen under a lock on the folder, so parallel runs on one machine never share one;
    MongoDB (when attached) stores the run under the same id. Every JSON record is written whole or not at all
    (``record_file``); the first write that fails is kept in ``write_error`` (the run checks it and stops) and
    the records keep their last complete content.

    Args:
        runs_dir: Root of the file store.
        largest_other_id: The largest id the other store (MongoDB) holds.
    """

    def __init__(self, runs_dir: Path, largest_other_id: Callable[[], int] = lambda: 0) -> None:
        super().__init__(str(runs_dir), priority=FILE_STORE_PRIORITY)
        self.largest_other_id = largest_other_id
        #: The first failed write of a record, or None.
        self.write_error: RecordWriteError | None = None

    def started_event(self, ex_info, command, host_info, start_time, config, meta_info, _id):
        if _id is not None:
            return super().started_event(ex_info, command, host_info, start_time, config, meta_info, _id)
        runs_dir = Path(self.basedir)
        runs_dir.mkdir(parents=True, exist_ok=True)
        with open(runs_dir / ID_LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            run_id = max(largest_folder_run_id(runs_dir), self.largest_other_id()) + 1
            while (runs_dir / str(run_id)).exists():
                run_id += 1
            return super().started_event(ex_info, command, host_info, start_time, config, meta_info, run_id)

    def __repr__(self) -> str:
        return f"file store {self.basedir}"

    def save_json(self, obj, filename):
        """Write one JSON record atomically; a failed write raises ``RecordWriteError`` and is remembered."""
        try:
            write_text_atomically(Path(self.dir) / filename, json.dumps(flatten(obj), sort_keys=True, indent=2))
        except RecordWriteError as exc:
            self.write_error = self.write_error or exc
            raise

    def save_cout(self):
        try:
            with reported_write_failures(Path(self.dir) / "cout.txt"):
                super().save_cout()
        except RecordWriteError as exc:
            self.write_error = self.write_error or exc
            raise

    def _final_record(self, event, *args) -> None:
        """Sacred's last record of a run; a failed write is one line (the record keeps its last content)."""
        try:
            event(*args)
        except RecordWriteError as exc:
            logger.error("%s The run's record still says %s.", exc, self._stored_status())

    def _stored_status(self) -> str:
        try:
            return json.loads((Path(self.dir) / "run.json").read_text()).get("status", "nothing")
        except (OSError, ValueError):
            return "nothing readable"

    def completed_event(self, stop_time, result):
        self._final_record(super().completed_event, stop_time, result)

    def interrupted_event(self, interrupt_time, status):
        self._final_record(super().interrupted_event, interrupt_time, status)

    def failed_event(self, fail_time, fail_trace):
        self._final_record(super().failed_event, fail_time, fail_trace)

    def artifact_event(self, name, filename, metadata=None, content_type=None):
        """List an artifact in ``run.json``; a file already in the run folder under ``name`` is not copied."""
        if self.dir and Path(filename).resolve() == (Path(self.dir) / name).resolve():
            self.run_entry["artifacts"].append(name)
            self.save_json(self.run_entry, "run.json")
            return
        super().artifact_event(name, filename, metadata, content_type)
