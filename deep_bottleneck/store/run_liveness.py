"""Whether a run recorded as ``RUNNING`` still runs: its process (host and PID, recorded in ``run.json``'s
``host``), or, for a run of another host, the age of its last heartbeat.

A run that ended without completing, or is found dead, may be resumed (``resume_refusal``). A run that is found
dead can be marked ``FAILED`` with the reason (``mark_dead`` in the file store,
``mark_dead_in_mongo`` in MongoDB); its recorded snapshots stay as they are.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import platform
from pathlib import Path
from typing import Any

from deep_bottleneck.record_file import write_text_atomically
from deep_bottleneck.store.run_folder import ID_LOCK_FILE, RUN_RECORD, RunFolder

#: A run of another host is dead when its last heartbeat (Sacred beats every 10 s) is older than this.
HEARTBEAT_TIMEOUT = datetime.timedelta(minutes=10)
#: A process that started this long after its run's recorded start is another process under a reused PID.
START_SLACK = datetime.timedelta(minutes=2)


def _utc(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return datetime.datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def process_start(pid: int) -> datetime.datetime | None:
    """When process ``pid`` of this machine started (UTC), or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] == "Z":
        return None
    ticks = int(fields[19])
    return datetime.datetime.utcfromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"))


def dead_reason(run: dict[str, Any], now: datetime.datetime | None = None) -> str | None:
    """Why a run recorded as ``RUNNING`` no longer runs; None when it runs, cannot be told, or has ended.

    Args:
        run: The run's record (``run.json``, or MongoDB's run document).
        now: The current UTC time (for the heartbeat of another host's run).
    """
    if run.get("status") != "RUNNING":
        return None
    host = run.get("host") or {}
    hostname, pid = host.get("hostname"), host.get("pid")
    resumed = run.get("resumed") or []
    # A resumed run's process started when it was last resumed.
    started = _utc(resumed[-1].get("time")) if resumed else _utc(run.get("start_time"))
    if pid is not None and hostname == platform.node():
        process_started = process_start(int(pid))
        if process_started is None:
            return f"its process {pid} on {hostname} is gone"
        if started is not None and process_started > started + START_SLACK:
            return f"its process {pid} on {hostname} is gone (the PID now belongs to another process)"
        return None
    last_sign = _utc(run.get("heartbeat")) or started
    now = now or datetime.datetime.utcnow()
    if last_sign is not None and now - last_sign > HEARTBEAT_TIMEOUT:
        minutes = (now - last_sign).total_seconds() / 60
        return f"no heartbeat for {minutes:.0f} min from host {hostname}"
    return None


def _failed_fields(reason: str, run: dict[str, Any]) -> dict[str, Any]:
    return {"status": "FAILED", "fail_trace": [f"Run marked dead: {reason}.\n"], "dead": reason}


def mark_dead(folder: RunFolder, reason: str) -> bool:
    """Mark the file-store run in ``folder`` FAILED with ``reason`` (``dead`` and ``fail_trace`` in ``run.json``);
    whether it was still recorded as ``RUNNING`` (else it is left alone)."""
    with open(folder.path.parent / ID_LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run = folder.read_record(RUN_RECORD)
        if run is None or run.get("status") != "RUNNING":
            return False
        run.update(_failed_fields(reason, run))
        run["stop_time"] = run.get("heartbeat") or run.get("start_time")
        write_text_atomically(folder.record(RUN_RECORD), json.dumps(run, sort_keys=True, indent=2))
        return True


def mark_dead_in_mongo(runs: Any, run: dict[str, Any], reason: str) -> bool:
    """Mark MongoDB's run document ``run`` (of the ``runs`` collection) FAILED with ``reason``, if still RUNNING."""
    fields = _failed_fields(reason, run)
    fields["stop_time"] = run.get("heartbeat") or run.get("start_time")
    return runs.update_one({"_id": run["_id"], "status": "RUNNING"}, {"$set": fields}).modified_count == 1


#: Statuses of a run that ended without completing.
RESUMABLE_STATUSES = ("FAILED", "INTERRUPTED", "DEAD", "TIMEOUT")


def resume_refusal(run: dict[str, Any], run_id: Any, now: datetime.datetime | None = None) -> str | None:
    """Why the stored run ``run`` (``run.json`` or MongoDB's document) cannot be resumed, in one line; None when it
    can: it ended without completing, or it is recorded ``RUNNING`` but its process is gone."""
    status = run.get("status")
    if status == "COMPLETED":
        return f"Run {run_id} has COMPLETED; there is nothing to resume."
    if status == "RUNNING":
        if dead_reason(run, now) is not None:
            return None
        host = run.get("host") or {}
        return (f"Run {run_id} is still running (process {host.get('pid', '?')} on {host.get('hostname', '?')}); "
                f"resume it once it has ended, or end that process first.")
    if status in RESUMABLE_STATUSES:
        return None
    return f"Run {run_id} is {status}; only a run that failed, was interrupted or died can be resumed."
