"""The command line of the import of file-store runs into MongoDB: ``python -m deep_bottleneck.cli.mongo_import``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deep_bottleneck.cli.spellings import with_documented_spellings
from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.store.file_store import default_runs_dir
from deep_bottleneck.store.mongo import DEFAULT_DB, redact, settings_from_environment, unreachable_reason
from deep_bottleneck.store.mongo_runs import MongoImporter
from deep_bottleneck.store.mongo_runs import __doc__ as USAGE


def main() -> int:
    parser = argparse.ArgumentParser(description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs_dir", type=Path, default=default_runs_dir(),
                        help="the file store (default: $DEEP_BOTTLENECK_RUNS_DIR or runs/)")
    parser.add_argument("--mongo_url", help="default: $DEEP_BOTTLENECK_MONGO_URL")
    parser.add_argument("--mongo_db", help=f"default: $DEEP_BOTTLENECK_MONGO_DB or {DEFAULT_DB}")
    parser.epilog = "Options may also be written with hyphens (--mongo-url)."
    args = parser.parse_args(with_documented_spellings(sys.argv[1:], ("--runs_dir", "--mongo_url", "--mongo_db")))
    settings = settings_from_environment(args.mongo_url, args.mongo_db)
    if settings is None:
        print("error: give --mongo_url or set DEEP_BOTTLENECK_MONGO_URL", file=sys.stderr)
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
    for folder, (what, run_id, reason) in outcome.items():
        if what == "failed":
            print(f"failed    {folder}: {reason}", file=sys.stderr)
            continue
        other_id = "" if Path(folder).name == str(run_id) else f" -> MongoDB run {run_id}"
        print(f"{what:9} {folder}{other_id}")
    counts = {what: [o.outcome for o in outcome.values()].count(what)
              for what in ("imported", "completed", "skipped", "failed")}
    print(f"{counts['imported']} imported, {counts['completed']} completed, {counts['skipped']} already in MongoDB, "
          f"{counts['failed']} failed")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
