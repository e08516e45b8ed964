"""Estimate MI of a stored run again, with other estimators, without training it again.

    python -m deep_bottleneck.cli.reestimate RUN --estimator mi_estimator.upper discretization_range=0.001 \\
        --estimator mi_estimator.lower [--runs-dir runs] [--mongo-url URL] [--mongo-db NAME]

RUN is a run id of the file store (``runs/<id>``) or the path of a run folder. The run's recorded
activations are read once; the new measures (``information_measures_<labels>.csv``) and one plane per
estimator and plotter (``infoplane_<label>.png``, ...) are added to the run as new artifacts: in the
file store, and in MongoDB when a URL is given (flag or ``$DEEP_BOTTLENECK_MONGO_URL``) and MongoDB holds
the same run. Nothing the run already has is changed; a name already taken gets a number.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from deep_bottleneck import plugins
from deep_bottleneck.config import estimator_labels, validate_config, validate_estimators
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.run.estimation import estimate_activation_file, load_estimators, sorted_measures
from deep_bottleneck.run.metrics_logger import stored_metrics
from deep_bottleneck.run.pipeline import draw_plots
from deep_bottleneck.store.mongo_runs import MongoImporter
from deep_bottleneck.store.run_folder import (
    CONFIG_RECORD,
    MEASURES_FILE,
    METRICS_RECORD,
    RUN_RECORD,
    RunFolder,
    repetition_index,
)

#: The original's way of naming one estimator, replaced by the estimators given.
SINGLE_ESTIMATOR_KEYS = ("estimator", "estimator_args", "discretization_range")


def run_folder(run: str, runs_dir: Path) -> RunFolder:
    """The folder of ``run`` (an id in ``runs_dir`` or a folder path).

    Raises:
        ConfigError: There is no such run.
    """
    folder = RunFolder(runs_dir / run if run.isdigit() else Path(run))
    if not folder.has_run():
        raise ConfigError(f"No run {run!r}: {folder.path} holds no run.json (file store: {runs_dir}). Re-estimation "
                          f"reads the run's recorded activations, which only the file store of the machine that "
                          f"ran it holds (MongoDB keeps records, not activations); give that store with --runs-dir.")
    return RunFolder(folder.path.resolve())


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


def reestimate(folder: RunFolder, entries: list[list]) -> list[Path]:
    """Estimate the run in ``folder`` with ``entries``; write the measures and plots into a staging folder inside
    it, named so that no file of the run is replaced.

    Returns:
        The new files (measures first), ready for ``store_outputs``.
    """
    run = folder.read_record(RUN_RECORD)
    if run.get("status") == "RUNNING":
        raise ConfigError(f"Run {folder.name} is still running; re-estimate it once it has ended.")
    stored = folder.read_record(CONFIG_RECORD)
    settings = validate_config({**{key: value for key, value in stored.items() if key not in SINGLE_ESTIMATOR_KEYS},
                                "estimators": entries})
    activation_files = folder.activation_files()
    if not activation_files:
        raise ConfigError(f"Run {folder.name} has no recorded activations in {folder.path}.")
    estimators = load_estimators(settings["estimators"])
    measures = sorted_measures([estimate_activation_file(estimators, path, repetition_index(path))
                                for path in activation_files])
    taken = folder.taken_names()
    labels = estimator_labels(settings["estimators"])
    staging = folder.staging_folder()
    staging.mkdir(parents=True, exist_ok=True)
    written = [staging / MEASURES_FILE]
    measures.to_csv(written[0], index=False)
    plotters = [plugins.load_plugin("plotter", name, **arguments) for name, arguments in settings["plotters"]]
    metrics = folder.read_record(METRICS_RECORD)
    written += draw_plots(plotters, measures, settings, folder, staging, always_suffix=True,
                          metrics=stored_metrics(metrics) if metrics is not None else None,
                          estimator_plots_only=True)
    names = [f"{Path(MEASURES_FILE).stem}_{'+'.join(labels)}.csv"] + [p.name for p in written[1:]]
    final = []
    for path, name in zip(written, names):
        target = staging / free_name(name, taken)
        taken.add(target.name)
        os.replace(path, target)
        final.append(target)
    return final


def store_outputs(folder: RunFolder, files: list[Path], mongo: MongoImporter | None = None) -> int | None:
    """Add ``files`` (from ``reestimate``) to the run: moved into its folder and listed in ``run.json``, and stored in
    MongoDB's copy of the run when ``mongo`` is given and holds it.

    Returns:
        The run's MongoDB id, or None when MongoDB was not given or does not hold the run.
    """
    staging = files[0].parent if files else None
    try:
        mongo_id = None
        if mongo is not None:
            document = mongo.same_run(folder.read_record(RUN_RECORD), {"_id": 1})
            if document is not None:
                mongo.add_artifacts(document["_id"], files)
                mongo_id = document["_id"]
        folder.add_artifacts(files)
        return mongo_id
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
