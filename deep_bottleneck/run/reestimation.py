"""Estimate MI of a stored run again, with other estimators, without training it again.

    python -m deep_bottleneck.cli.reestimate RUN --estimator mi_estimator.upper:discretization_range=0.01 \\
        --estimator mi_estimator.lower:discretization_range=0.01 [--runs_dir runs] [--mongo_url URL] [--mongo_db NAME]

Each ``--estimator`` is a plug-in with its own arguments, ``NAME[:key=value[:key=value ...]]`` (values read as
JSON where they parse: numbers, lists). With a single ``--estimator``, ``--estimator NAME key=value`` works too.
RUN is a run id of the file store (``runs/<id>``) or the path of a run folder. The run's recorded
activations are read once; the new measures (``information_measures_<labels>.csv``, labels such as
``upper_dr0.01``: ``config.estimator_labels``) and one plane per estimator and plotter (``infoplane_<label>.png``,
...) are added to the run as new artifacts: in the file store, and in MongoDB when a URL is given (flag or
``$DEEP_BOTTLENECK_MONGO_URL``) and MongoDB holds the same run. Nothing the run already has is changed; a name
already taken gets a number. Progress lines go to standard output when it is not a terminal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from deep_bottleneck import plugins
from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.config import estimator_labels, validate_config, validate_estimators
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.progress import Report
from deep_bottleneck.run.estimation import estimate_activation_file, load_estimators, sorted_measures
from deep_bottleneck.run.metrics_logger import stored_metrics
from deep_bottleneck.run.pipeline import draw_plots, run_title
from deep_bottleneck.store.mongo_runs import MongoImporter
from deep_bottleneck.store.run_folder import (
    CONFIG_RECORD,
    MEASURES_FILE,
    METRICS_RECORD,
    RUN_RECORD,
    RunFolder,
    repetition_index,
)
from deep_bottleneck.store.run_liveness import dead_reason

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
                          f"ran it holds (MongoDB keeps records, not activations); give that store with --runs_dir.")
    return RunFolder(folder.path.resolve())


#: Where the arguments of ``NAME:key=value:key=value`` start: a colon before ``key=``.
_ARGUMENT_START = re.compile(r":(?=[A-Za-z_]\w*=)")


def _argument(name: str, assignment: str) -> tuple[str, Any]:
    key, has_value, text = assignment.partition("=")
    if not has_value or not key.isidentifier():
        raise ConfigError(f"Estimator argument {assignment!r} of {name!r} must be key=value, e.g. "
                          f"{name}:discretization_range=0.01.")
    try:
        return key, json.loads(text)
    except json.JSONDecodeError:
        return key, text


def parse_estimators(groups: list[list[str]]) -> list[list]:
    """The ``--estimator`` values of the command line as validated ``[name, arguments]`` entries.

    Each group is ``["NAME:key=value:key=value"]``; with a single group, ``["NAME", "key=value", ...]`` is accepted
    too. Values are read as JSON where they parse (numbers, lists), else as text.

    Raises:
        ConfigError: Arguments follow a name as separate words while several estimators are given (to which of
            them they belong is not said), or an estimator or argument is not valid.
    """
    entries = []
    for first, *separate in groups:
        name, *assignments = _ARGUMENT_START.split(first)
        if separate and len(groups) > 1:
            raise ConfigError(
                f"Arguments {' '.join(separate)} follow --estimator {first} as separate words while several "
                f"estimators are given; write each estimator's arguments with it, e.g. "
                + " ".join(f"--estimator {group[0]}:{':'.join(separate)}" for group in groups) + ".")
        entries.append([name, dict(_argument(name, assignment) for assignment in assignments + separate)])
    return validate_estimators(entries)


def free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``<stem>_2<suffix>``, ``_3``, ... if it is taken."""
    stem, suffix = os.path.splitext(name)
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}_{number}{suffix}"
    return candidate


def recorded_snapshot_count(path: Path) -> int:
    """Snapshots in one activation file (``DamagedFileError`` when it cannot be read)."""
    with ActivationFile(path) as stored:
        return len(stored.epochs)


def reestimate(folder: RunFolder, entries: list[list], dead_ok: bool = False,
               report: Report | None = None) -> list[Path]:
    """Estimate the run in ``folder`` with ``entries``; write the measures and plots into a staging folder inside
    it, named so that no file of the run is replaced. A run that ended in any way is estimated from the snapshots
    it recorded; a run recorded as running whose process is gone only when ``dead_ok``.

    Args:
        folder: The run.
        entries: Validated ``[name, arguments]`` estimators.
        report: Receives progress lines (each repetition's estimation), or None.

    Returns:
        The new files (measures first), ready for ``store_outputs``.
    """
    run = folder.read_record(RUN_RECORD)
    if run.get("status") == "RUNNING":
        reason = dead_reason(run)
        if reason is None:
            raise ConfigError(f"Run {folder.name} is still running; re-estimate it once it has ended.")
        if not dead_ok:
            raise ConfigError(f"Run {folder.name} is recorded as running but is dead ({reason}); re-estimate its "
                              f"recorded snapshots with --dead-ok, or mark it first with "
                              f"python -m deep_bottleneck.cli.dead_runs --mark.")
    stored = folder.read_record(CONFIG_RECORD)
    settings = validate_config({**{key: value for key, value in stored.items() if key not in SINGLE_ESTIMATOR_KEYS},
                                "estimators": entries})
    activation_files = folder.activation_files()
    if not activation_files:
        raise ConfigError(f"Run {folder.name} has no recorded activations in {folder.path}.")
    if not any(recorded_snapshot_count(path) for path in activation_files):
        raise ConfigError(f"Run {folder.name} recorded no snapshot before it ended; there is nothing to estimate.")
    estimators = load_estimators(settings["estimators"])
    measures = sorted_measures([estimate_activation_file(estimators, path, repetition_index(path), report=report)
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
                          estimator_plots_only=True,
                          run_name=run_title(run.get("experiment", {}).get("name", ""), folder.name))
    names = [f"{Path(MEASURES_FILE).stem}_{'-'.join(labels)}.csv"] + [p.name for p in written[1:]]
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
            document = mongo.same_run(folder.read_record(RUN_RECORD), folder.path, {"_id": 1})
            if document is not None:
                mongo.add_artifacts(document["_id"], files)
                mongo_id = document["_id"]
        folder.add_artifacts(files)
        return mongo_id
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
