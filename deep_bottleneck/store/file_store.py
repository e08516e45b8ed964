"""Sacred's file store: run folders under ``runs/`` (or ``$DEEP_BOTTLENECK_RUNS_DIR``), one id per run."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Callable

from sacred.observers import FileStorageObserver

from deep_bottleneck.store.run_folder import ID_LOCK_FILE

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def default_runs_dir(project_root: Path = PROJECT_ROOT) -> Path:
    """The file store: ``$DEEP_BOTTLENECK_RUNS_DIR``, else ``runs/`` in the project folder."""
    return Path(os.environ.get("DEEP_BOTTLENECK_RUNS_DIR", project_root / "runs"))


#: Above MongoObserver's 30: the file store picks each run's id and MongoDB stores the run under it.
FILE_STORE_PRIORITY = 40


def largest_folder_run_id(runs_dir: Path) -> int:
    """The largest numbered run folder in a file store (0 when there is none)."""
    return max((int(p.name) for p in Path(runs_dir).iterdir() if p.name.isdigit() and p.is_dir()), default=0)


class FileStore(FileStorageObserver):
    """Sacred's file store, giving each run an id no run has in this folder or in the other store.

    Ids are chosen under a lock on the folder, so parallel runs on one machine never share one;
    MongoDB (when attached) stores the run under the same id.

    Args:
        runs_dir: Root of the file store.
        largest_other_id: The largest id the other store (MongoDB) holds.
    """

    def __init__(self, runs_dir: Path, largest_other_id: Callable[[], int] = lambda: 0) -> None:
        super().__init__(str(runs_dir), priority=FILE_STORE_PRIORITY)
        self.largest_other_id = largest_other_id

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

    def artifact_event(self, name, filename, metadata=None, content_type=None):
        """List an artifact in ``run.json``; a file already in the run folder under ``name`` is not copied."""
        if self.dir and Path(filename).resolve() == (Path(self.dir) / name).resolve():
            self.run_entry["artifacts"].append(name)
            self.save_json(self.run_entry, "run.json")
            return
        super().artifact_event(name, filename, metadata, content_type)
