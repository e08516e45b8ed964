"""Estimate MI of a stored run again, with other estimators, without training it again.

    python -m deep_bottleneck.reestimate RUN --estimator mi_estimator.upper discretization_range=0.001 \\
        --estimator mi_estimator.lower [--runs-dir runs] [--mongo-url URL] [--mongo-db NAME]

RUN is a run id of the file store (``runs/<id>``) or the path of a run folder. The run's recorded
activations are read once; the new measures (``information_measures_<labels>.csv``) and one plane per
estimator and plotter (``infoplane_<label>.png``, ...) are added to the run as new artifacts: in the
file store, and in MongoDB when a URL is given (flag or ``$DEEP_BOTTLENECK_MONGO_URL``) and MongoDB holds
the same run. Nothing the run already has is changed; a name already taken gets a number.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from deep_bottleneck import plugins
from deep_bottleneck.callbacks.metrics_logger import stored_metrics
from deep_bottleneck.config import validate_config, validate_estimators
from deep_bottleneck.errors import ConfigError, DeepBottleneckError
from deep_bottleneck.estimation import estimate_activation_file, estimator_labels, load_estimators, sorted_measures
from deep_bottleneck.pipeline import MEASURES_FILE, draw_plots, run_title
from deep_bottleneck.run_storage import (ID_LOCK_FILE, content_type, default_runs_dir, mongo_client, redact,
                                         settings_from_environment, unreachable_reason)


#: The original's way of naming one estimator, replaced by the estimators given.
SINGLE_ESTIMATOR_KEYS = ("estimator", "estimator_args", "discretization_range")


def run_folder(run: str, runs_dir: Path) -> Path:
    """The folder of ``run`` (an id in ``runs_dir`` or a folder path).

    Raises:
        ConfigError: There is no such run.
    """
    folder = runs_dir / run if run.isdigit() else Path(run)
    if not (folder / "run.json").is_file():
        raise ConfigError(f"No run {run!r}: {folder} holds no run.json (file store: {runs_dir}). Re-estimation "
                          f"reads the run's recorded activations, which only the file store of the machine that "
                          f"ran it holds (MongoDB keeps records, not activations); give that store with --runs-dir.")
    return folder.resolve()


def parse_estimators(groups: list[list[str]]) -> list[list]:
    """``[[name, "key=value", ...], ...]`` from the command line as validated ``[name, arguments]`` entries;
    values are read as JSON where they parse (numbers, lists), else as text."""
    entries = []
    for name, *assignments in groups:
        arguments: dict[str, Any] = {}
        for assignment in assignments:
            key, has_value, text = assignment.partition("=")
            if not has_value:
                raise ConfigError(f"Estimator argument {assignment!r} of {name!r} must be key=value.")
            try:
                arguments[key] = json.loads(text)
            except json.JSONDecodeError:
                arguments[key] = text
        entries.append([name, arguments])
    return validate_estimators(entries)


def free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``<stem>_2<suffix>``, ``_3``, ... if it is taken."""
    stem, suffix = os.path.splitext(name)
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}_{number}{suffix}"
    return candidate


def reestimate(folder: Path, entries: list[list]) -> list[Path]:
    """Estimate the run in ``folder`` with ``entries`` and write the measures and plots into ``folder/outputs``.

    Returns:
        The new files (measures first), named so that no artifact of the run is replaced.
    """
    run = json.loads((folder / "run.json").read_text())
    if run.get("status") == "RUNNING":
        raise ConfigError(f"Run {folder.name} is still running; re-estimate it once it has ended.")
    stored = json.loads((folder / "config.json").read_text())
    settings = validate_config({**{key: value for key, value in stored.items() if key not in SINGLE_ESTIMATOR_KEYS},
                                "estimators": entries})
    activation_files = sorted((folder / "activations").glob("run_*.h5"), key=_repetition_index)
    if not activation_files:
        raise ConfigError(f"Run {folder.name} has no recorded activations in {folder / 'activations'}.")
    estimators = load_estimators(settings["estimators"])
    measures = sorted_measures([estimate_activation_file(estimators, path, _repetition_index(path))
                                for path in activation_files])
    taken = set(run.get("artifacts", [])) | {p.name for p in (folder / "outputs").glob("*")}
    labels = estimator_labels(settings["estimators"])
    staging = folder / "outputs" / f".reestimate-{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=True)
    try:
        written = [staging / MEASURES_FILE]
        measures.to_csv(written[0], index=False)
        plotters = [plugins.load_plugin("plotter", name, **arguments) for name, arguments in settings["plotters"]]
        metrics_file = folder / "metrics.json"
        metrics = stored_metrics(json.loads(metrics_file.read_text())) if metrics_file.exists() else None
        written += draw_plots(plotters, measures, settings, activation_files[0], staging, always_suffix=True,
                              metrics=metrics, estimator_plots_only=True,
                              run_name=run_title(run.get("experiment", {}).get("name", ""), folder.name))
        names = [f"{Path(MEASURES_FILE).stem}_{'+'.join(labels)}.csv"] + [p.name for p in written[1:]]
        final = []
        for path, name in zip(written, names):
            target = folder / "outputs" / free_name(name, taken)
            taken.add(target.name)
            os.replace(path, target)
            final.append(target)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _repetition_index(activation_file: Path) -> int:
    return int(activation_file.stem.split("_")[1])


def add_to_file_store(folder: Path, files: list[Path]) -> None:
    """Copy ``files`` into the run folder and list them in its ``run.json`` as artifacts (under a lock)."""
    with open(folder.parent / ID_LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run = json.loads((folder / "run.json").read_text())
        for path in files:
            shutil.copyfile(path, folder / path.name)
        run["artifacts"] = list(run.get("artifacts", [])) + [path.name for path in files]
        temporary = folder / "run.json.tmp"
        temporary.write_text(json.dumps(run, indent=2))
        os.replace(temporary, folder / "run.json")


def add_to_mongo(url: str, db_name: str, folder: Path, files: list[Path]) -> int | None:
    """Add ``files`` as artifacts of the same run in MongoDB; return its id, or None if MongoDB does not hold it."""
    import datetime

    import gridfs

    run = json.loads((folder / "run.json").read_text())
    client = mongo_client(url)
    try:
        db = client[db_name]
        start_time = datetime.datetime.fromisoformat(run["start_time"]) if run.get("start_time") else None
        document = db.runs.find_one({"host.hostname": run.get("host", {}).get("hostname"), "start_time": start_time},
                                    {"_id": 1})
        if document is None:
            return None
        fs = gridfs.GridFS(db)
        for path in files:
            with path.open("rb") as f:
                file_id = fs.put(f, filename=f"artifact://runs/{document['_id']}/{path.name}",
                                 content_type=content_type(path.name))
            db.runs.update_one({"_id": document["_id"]}, {"$push": {"artifacts": {"name": path.name,
                                                                                   "file_id": file_id}}})
        return document["_id"]
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="run id in the file store, or a run folder")
    parser.add_argument("--estimator", nargs="+", action="append", required=True, metavar="NAME [key=value]",
                        help="an estimator plug-in and its arguments; repeat for several")
    parser.add_argument("--runs-dir", type=Path, default=default_runs_dir())
    parser.add_argument("--mongo-url", help="default: $DEEP_BOTTLENECK_MONGO_URL")
    parser.add_argument("--mongo-db", help="default: $DEEP_BOTTLENECK_MONGO_DB or deep_bottleneck")
    args = parser.parse_args(argv)
    try:
        folder = run_folder(args.run, args.runs_dir)
        entries = parse_estimators(args.estimator)
        settings = settings_from_environment(args.mongo_url, args.mongo_db)
        if settings is not None and (reason := unreachable_reason(settings.url)):
            raise ConfigError(f"MongoDB at {redact(settings.url)} is unreachable ({reason}); nothing was changed.")
        files = reestimate(folder, entries)
        add_to_file_store(folder, files)
        mongo_id = add_to_mongo(settings.url, settings.db_name, folder, files) if settings else None
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in files:
        print(f"added {path.name}")
    print(f"run {folder.name} in the file store ({folder})"
          + (f" and MongoDB run {mongo_id}" if mongo_id is not None else
             " (MongoDB does not hold this run)" if settings else ""))
    summary = pd.read_csv(files[0]).groupby("estimator")[["MI_XM", "MI_YM"]].max()
    print(summary.rename(columns={"MI_XM": "max I(X;T)", "MI_YM": "max I(T;Y)"}).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
