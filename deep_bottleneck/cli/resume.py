"""``python experiment.py resume RUN_ID [--mongo_url URL] [--mongo_db NAME]``: continue a run that was killed,
interrupted or failed, from its last checkpoint, under its own id.

The run's config is its stored ``config.json``; each repetition continues after the last snapshot its checkpoint
recorded (``run.pipeline``), so the run ends with the numbers of a run that was never stopped. With a MongoDB URL
(the flag or ``$DEEP_BOTTLENECK_MONGO_URL``) the run's MongoDB document of the same id continues too. A run that
completed, or whose process still runs, is refused in one line.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from deep_bottleneck.cli.sacred_command_line import run_command_line
from deep_bottleneck.errors import ConfigError, DeepBottleneckError, closest_match_hint
from deep_bottleneck.store.file_store import check_runs_dir, default_runs_dir
from deep_bottleneck.store.mongo import reachable, settings_from_environment
from deep_bottleneck.store.run_folder import CONFIG_RECORD, RUN_RECORD, RunFolder, numbered_run_folders
from deep_bottleneck.store.run_liveness import resume_refusal

USAGE = "experiment.py resume RUN_ID [--mongo_url URL] [--mongo_db NAME]"


def _stored_run(runs_dir: Path, run_id: str) -> tuple[RunFolder, dict, dict]:
    folder = RunFolder(runs_dir / run_id)
    if not run_id.isdigit() or not folder.has_run():
        ids = [folder.name for folder in numbered_run_folders(runs_dir)]
        raise ConfigError(f"The file store {runs_dir} holds no run {run_id!r}.{closest_match_hint(run_id, ids)}"
                          f" Give the id of a run folder there (set $DEEP_BOTTLENECK_RUNS_DIR for another store).")
    run = folder.read_record(RUN_RECORD)
    config = folder.read_record(CONFIG_RECORD)
    if config is None:
        raise ConfigError(f"Run {run_id} has no {folder.record(CONFIG_RECORD)}, so it cannot be resumed.")
    return folder, run, config


def _mongo_observer(mongo_url: str | None, mongo_db: str | None, mongo_only: bool | None, run: dict,
                    run_id: str) -> Any:
    """The ``ResumedMongoObserver`` continuing MongoDB's run ``run_id`` (the same run: same host name), or None when no MongoDB is
    given, or it does not hold the run (said in one line)."""
    settings = settings_from_environment(mongo_url, mongo_db, mongo_only)
    if settings is None:
        return None
    if not reachable(settings, "Nothing was resumed", "The run resumes in the file store only"):
        return None
    from deep_bottleneck.store.mongo import mongo_client
    from deep_bottleneck.store.resumed_runs import ResumedMongoObserver

    client = mongo_client(settings.url)
    try:
        document = client[settings.db_name].runs.find_one({"_id": int(run_id)}, {"host": 1, "status": 1})
    finally:
        client.close()
    hostname = (run.get("host") or {}).get("hostname")
    if document is None or (document.get("host") or {}).get("hostname") != hostname:
        print(f"MongoDB ({settings.db_name}) holds no run {run_id} of this file store; the run resumes in the file "
              f"store only.", file=sys.stderr)
        return None
    return ResumedMongoObserver(settings.url, settings.db_name, int(run_id))


def resume(arguments: list[str], mongo_url: str | None, mongo_db: str | None, mongo_only: bool | None,
           project_root: Path) -> int:
    """Resume the run named in ``arguments`` (its id), with experiment.py's MongoDB flags (None where not given);
    return the exit status."""
    from deep_bottleneck.run.sacred_experiment import create_experiment

    try:
        if len(arguments) != 1 or arguments[0].startswith("-"):
            raise ConfigError(f"usage: {USAGE} (got {' '.join(arguments) or 'no run id'}).")
        run_id = arguments[0]
        runs_dir = default_runs_dir(project_root)
        check_runs_dir(runs_dir)
        _, run, config = _stored_run(runs_dir, run_id)
        refusal = resume_refusal(run, run_id)
        if refusal is not None:
            raise ConfigError(refusal)
        observer = _mongo_observer(mongo_url, mongo_db, mongo_only, run, run_id)
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    name = run.get("experiment", {}).get("name", "deep_bottleneck")
    experiment = create_experiment(runs_dir, name, observer, resume_id=run_id)
    with tempfile.TemporaryDirectory(prefix="resume-") as scratch:
        config_file = Path(scratch) / f"{name}.json"
        config_file.write_text(json.dumps(config))
        return run_command_line(experiment, ["experiment.py", "with", str(config_file)])
