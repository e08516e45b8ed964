"""The command line of re-estimation: ``python -m deep_bottleneck.cli.reestimate`` (see ``run.reestimation``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from deep_bottleneck.cli.spellings import with_documented_spellings
from deep_bottleneck.compilation_cache import use_compilation_cache
from deep_bottleneck.errors import ConfigError, DeepBottleneckError
from deep_bottleneck.progress import default_report
from deep_bottleneck.run.reestimation import __doc__ as USAGE
from deep_bottleneck.run.reestimation import parse_estimators, reestimate, run_folder, store_outputs
from deep_bottleneck.store.file_store import default_runs_dir
from deep_bottleneck.store.mongo import redact, settings_from_environment, unreachable_reason
from deep_bottleneck.store.mongo_runs import MongoImporter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="run id in the file store, or a run folder")
    parser.add_argument("--estimator", nargs="+", action="append", required=True,
                        metavar="NAME[:key=value...]",
                        help="an estimator plug-in and its arguments, e.g. mi_estimator.upper:discretization_range=0.01; "
                             "repeat for several")
    parser.add_argument("--runs_dir", type=Path, default=default_runs_dir(),
                        help="the file store (default: $DEEP_BOTTLENECK_RUNS_DIR or runs/)")
    parser.add_argument("--dead_ok", action="store_true",
                        help="also re-estimate a run recorded as running whose process is gone")
    parser.add_argument("--mongo_url", help="default: $DEEP_BOTTLENECK_MONGO_URL")
    parser.add_argument("--mongo_db", help="default: $DEEP_BOTTLENECK_MONGO_DB or deep_bottleneck")
    parser.epilog = "Options may also be written with hyphens (--mongo-url)."
    arguments = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(with_documented_spellings(arguments, ("--runs_dir", "--mongo_url", "--mongo_db",
                                                                   "--dead_ok")))
    use_compilation_cache()
    try:
        folder = run_folder(args.run, args.runs_dir)
        entries = parse_estimators(args.estimator)
        settings = settings_from_environment(args.mongo_url, args.mongo_db)
        if settings is not None and (reason := unreachable_reason(settings.url)):
            raise ConfigError(f"MongoDB at {redact(settings.url)} is unreachable ({reason}); nothing was changed.")
        files = reestimate(folder, entries, dead_ok=args.dead_ok, report=default_report())
        mongo = MongoImporter(settings.url, settings.db_name) if settings else None
        try:
            mongo_id = store_outputs(folder, files, mongo)
        finally:
            if mongo is not None:
                mongo.close()
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in files:
        print(f"added {path.name}")
    print(f"run {folder.name} in the file store ({folder.path})"
          + (f" and MongoDB run {mongo_id}" if mongo_id is not None else
             " (MongoDB does not hold this run)" if settings else ""))
    summary = pd.read_csv(folder.output(files[0].name)).groupby("estimator")[["MI_XM", "MI_YM"]].max()
    print(summary.rename(columns={"MI_XM": "max I(X;T)", "MI_YM": "max I(T;Y)"}).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
