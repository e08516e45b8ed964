"""Runs recorded as running whose process is gone: ``python -m deep_bottleneck.cli.dead_runs [--mark]``.

Lists every run of the file store (and of MongoDB, with ``--mongo-url``) that is recorded as ``RUNNING`` but whose
process is gone (same host: its PID; another host: no heartbeat for 10 minutes), with the reason. ``--mark`` marks
each FAILED in the store that holds it, with the reason in ``dead`` and ``fail_trace``; its recorded snapshots stay
readable (``reestimate`` works on them). Exit status 0; 1 when a store cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deep_bottleneck.errors import DamagedFileError
from deep_bottleneck.store.file_store import default_runs_dir
from deep_bottleneck.store.mongo import mongo_client, redact, settings_from_environment, unreachable_reason
from deep_bottleneck.store.run_folder import RUN_RECORD, RunFolder, numbered_run_folders
from deep_bottleneck.store.run_liveness import dead_reason, mark_dead, mark_dead_in_mongo


def _file_store_runs(runs_dir: Path) -> list[tuple[RunFolder, dict]]:
    runs = []
    for path in numbered_run_folders(runs_dir):
        folder = RunFolder(path)
        try:
            run = folder.read_record(RUN_RECORD)
        except DamagedFileError as exc:
            print(f"damaged  {exc} Left alone.", file=sys.stderr)
            continue
        if run is not None:
            runs.append((folder, run))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-dir", type=Path, default=default_runs_dir())
    parser.add_argument("--mongo-url", help="also MongoDB (default: $DEEP_BOTTLENECK_MONGO_URL)")
    parser.add_argument("--mongo-db", help="default: $DEEP_BOTTLENECK_MONGO_DB or deep_bottleneck")
    parser.add_argument("--mark", action="store_true", help="mark each dead run FAILED, with the reason")
    args = parser.parse_args(argv)
    if not args.runs_dir.is_dir():
        print(f"error: no file store at {args.runs_dir}", file=sys.stderr)
        return 1
    found = 0
    for folder, run in _file_store_runs(args.runs_dir):
        reason = dead_reason(run)
        if reason is not None:
            found += 1
            marked = args.mark and mark_dead(folder, reason)
            print(f"{'marked' if marked else 'dead':8} file store run {folder.name}: {reason}")
    settings = settings_from_environment(args.mongo_url, args.mongo_db)
    if settings is not None:
        if (unreachable := unreachable_reason(settings.url)) is not None:
            print(f"error: MongoDB at {redact(settings.url)} is unreachable ({unreachable}).", file=sys.stderr)
            return 1
        client = mongo_client(settings.url)
        try:
            runs = client[settings.db_name].runs
            for run in runs.find({"status": "RUNNING"}, {"status": 1, "host": 1, "heartbeat": 1, "start_time": 1}):
                reason = dead_reason(run)
                if reason is not None:
                    found += 1
                    marked = args.mark and mark_dead_in_mongo(runs, run, reason)
                    print(f"{'marked' if marked else 'dead':8} MongoDB run {run['_id']}: {reason}")
        finally:
            client.close()
    print(f"{found} dead run(s)" + (", marked FAILED." if args.mark and found else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
