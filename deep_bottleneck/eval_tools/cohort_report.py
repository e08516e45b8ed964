"""A cohort's results page: its hypothesis, what was run, the compression verdicts of every member and layer with
their intervals, the information planes side by side, and the command, date and commit that made the page.

``python -m deep_bottleneck.cli.cohort_report`` writes it from a cohort grid and the store holding its runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from deep_bottleneck.config import default_config
from deep_bottleneck.eval_tools.experiment import Experiment
from deep_bottleneck.store.run_folder import COMPRESSION_FILE

#: Config keys a results page lists as what was run, in this order, when they are shared by the members.
SETTING_KEYS = ("epochs", "n_runs", "architecture", "activation_fn", "optimizer", "learning_rate", "batch_size",
                "dataset", "calculate_mi_for", "estimator", "discretization_range", "estimators", "max_norm_weights",
                "model", "snapshot_schedule", "seed")


@dataclass
class CohortReport:
    """What a results page shows.

    Attributes:
        title: The page's heading.
        grid: The grid file the cohort was run from, as the command named it.
        hypothesis: The grid's statement of what it tests.
        members: Each member name of the grid and the config values that make it the member (its grid axes).
        runs: The completed run shown for each member (the latest), by member name; members without one are
            missing.
        command: The command that made the page.
        date: When the page was made (UTC).
        commit: The project's commit when the page was made.
        planes_file: The image of the planes side by side, relative to the page, or None if no run has a plane.
    """

    title: str
    grid: str
    hypothesis: str
    members: dict[str, dict[str, Any]]
    runs: dict[str, Experiment]
    command: str
    date: str
    commit: str
    planes_file: str | None = None
    axes: list[str] = field(default_factory=list)
    member_configs: dict[str, dict[str, Any]] = field(default_factory=dict)


def config_updates(run: Experiment, written: dict[str, Any]) -> dict[str, Any]:
    """The config values of ``run`` that differ from its member's config as the grid writes it (``written``, over
    the defaults): what the command that made the run changed, e.g. ``epochs`` of a shortened run. A run with
    several ``estimators`` records their names under ``estimator``; that is not a change."""
    expected = {**default_config(), **written}
    derived = {"estimator"} if run.config.get("estimators") else set()
    return {key: value for key, value in run.config.items()
            if key in expected and key not in derived and _text(value) != _text(expected[key])}


def latest_completed_by_member(experiments: Sequence[Experiment], members: Sequence[str]) -> dict[str, Experiment]:
    """The completed run of the highest id of each member (a run's name is its member name)."""
    chosen: dict[str, Experiment] = {}
    for experiment in experiments:
        if experiment.status != "COMPLETED" or experiment.name not in members:
            continue
        current = chosen.get(experiment.name)
        if current is None or _id_key(experiment.id) > _id_key(current.id):
            chosen[experiment.name] = experiment
    return chosen


def _id_key(run_id: Any) -> tuple:
    return (0, int(run_id), "") if str(run_id).isdigit() else (1, 0, str(run_id))


def member_label(values: dict[str, Any]) -> str:
    """A member's grid values as ``key=value, ...``."""
    return ", ".join(f"{key}={_text(value)}" for key, value in values.items())


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return str(value).lower() if isinstance(value, bool) else "null"
    return str(value)


def verdict_rows(report: CohortReport) -> pd.DataFrame:
    """One row per member, estimator and layer: the run's ``compression.csv`` with the member's label in front."""
    frames = []
    for name, values in report.members.items():
        experiment = report.runs.get(name)
        if experiment is None:
            continue
        frame = experiment.artifacts[COMPRESSION_FILE].frame
        frames.append(frame.assign(member=member_label(values), run=experiment.id))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _bits(value: float) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def _interval(row: pd.Series) -> str:
    if pd.isna(row["drop_ci_low"]):
        return f"{row['drop_bits']:.2f}"
    return f"{row['drop_bits']:.2f} [{row['drop_ci_low']:.2f}, {row['drop_ci_high']:.2f}]"


def _short_verdict(verdict: str) -> str:
    return {"compresses": "**yes**", "does not compress": "no"}.get(verdict, verdict)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def _shared_settings(runs: Sequence[Experiment], axes: Sequence[str]) -> list[tuple[str, str]]:
    settings = []
    for key in SETTING_KEYS:
        if key in axes:
            continue
        values = {_text(run.config.get(key)) for run in runs}
        if len(values) == 1 and key in runs[0].config:
            settings.append((key, values.pop()))
    return settings


def render_markdown(report: CohortReport) -> str:
    """The results page as Markdown (MyST)."""
    lines = [f"# {report.title}", "", f"Grid: `{report.grid}`", "", "**Hypothesis.** " + report.hypothesis, ""]
    runs = [report.runs[name] for name in report.members if name in report.runs]
    missing = [name for name in report.members if name not in report.runs]
    lines += ["## What was run", ""]
    lines.append(f"{len(runs)} of {len(report.members)} members have a completed run"
                 + (f"; missing: {', '.join(f'`{m}`' for m in missing)}." if missing else "."))
    lines.append("")
    if runs and report.member_configs:
        lines += _how_runs_were_made(report)
    if runs:
        lines += ["Settings every shown run shares, as recorded in the runs' configs:", ""]
        lines += _table(["key", "value"], [(f"`{k}`", f"`{v}`") for k, v in _shared_settings(runs, report.axes)])
        lines.append("")
        member_rows = []
        for name, values in report.members.items():
            run = report.runs.get(name)
            if run is None:
                member_rows.append((member_label(values), "-", "-", "-", "-"))
                continue
            accuracy = run.metrics.get("validation.accuracy")
            final = f"{accuracy.iloc[-1]:.3f}" if accuracy is not None and len(accuracy) else "-"
            member_rows.append((member_label(values), str(run.id), str(run.config.get("epochs")),
                                str(run.config.get("n_runs")), final))
        lines += _table(["member", "run id", "epochs", "repetitions", "final validation accuracy (mean)"],
                        member_rows)
        lines.append("")
    verdicts = verdict_rows(report)
    if not verdicts.empty:
        lines += ["## Compression verdicts", "",
                  "Drop of I(X;T) (bits) from the peak of the mean curve over repetitions to its last snapshot, "
                  "with a 95% bootstrap interval over repetitions; a layer **compresses** when the interval's lower "
                  "end is above 5% of its peak (`run/compression.py`; each run's `compression.csv`). The last layer "
                  "is the softmax readout.", ""]
        layer_names = list(dict.fromkeys(verdicts.sort_values("layer")["layer_name"]))
        summary_rows = []
        for (member, estimator), group in verdicts.groupby(["member", "estimator"], sort=False):
            cells = {row["layer_name"]: f"{_short_verdict(row['verdict'])} {_interval(row)}"
                     for _, row in group.iterrows()}
            summary_rows.append((member, estimator, *(cells.get(name, "") for name in layer_names)))
        lines += _table(["member", "estimator", *layer_names], summary_rows)
        lines += ["", "### Every layer", ""]
        detail_rows = [
            (row["member"], str(row["run"]), row["estimator"], row["layer_name"], str(row["n_runs"]),
             f"{_bits(row['peak_bits'])} ({row['peak_epoch']})", f"{_bits(row['end_bits'])} ({row['end_epoch']})",
             _interval(row), f"{100 * row['relative_drop']:.1f}%", row["verdict"])
            for _, row in verdicts.iterrows()]
        lines += _table(["member", "run", "estimator", "layer", "repetitions", "peak I(X;T) (epoch)",
                         "end I(X;T) (epoch)", "drop [95% interval]", "drop / peak", "verdict"], detail_rows)
        lines.append("")
    if report.planes_file:
        lines += ["## Information planes", "", f"![The information planes of the members]({report.planes_file})",
                  ""]
    lines += ["## How this page was made", "", "```bash", report.command, "```", "",
              f"Made {report.date} at commit `{report.commit}`."]
    if runs:
        lines.append(f"Runs: ids {', '.join(str(run.id) for run in runs)}.")
    lines.append("")
    return "\n".join(lines)


def _command_value(value: Any) -> str:
    """A value as ``experiment.py with key=value`` takes it (Python literals: ``False``, ``[10, 7]``)."""
    return repr(value) if isinstance(value, (bool, type(None))) else _text(value)


def _how_runs_were_made(report: CohortReport) -> list[str]:
    """The runner's command that made the shown runs, and where they depart from the grid's settings."""
    updates = {name: config_updates(report.runs[name], report.member_configs.get(name, {}))
               for name in report.members if name in report.runs}
    texts = {" ".join(f"{key}={_command_value(value)}" for key, value in changed.items())
             for changed in updates.values()}
    if len(texts) > 1:
        return ["The runs differ from the grid's settings in different ways: "
                + "; ".join(f"{member_label(report.members[name])}: "
                            + (" ".join(f"{k}={_command_value(v)}" for k, v in changed.items()) or "none")
                            for name, changed in updates.items()) + ".", ""]
    text = texts.pop()
    lines = ["The runs were made with", "", "```bash",
             f"python run_experiments_local.py -d {report.grid}" + (f" with {text}" if text else ""), "```", ""]
    if text:
        first = next(iter(updates))
        written = {**default_config(), **report.member_configs[first]}
        lines += ["**These runs differ from the grid's settings** in "
                  + ", ".join(f"`{key}` ({_text(value)}; the grid: {_text(written[key])})"
                              for key, value in updates[first].items()) + ".", ""]
    return lines


def plane_artifacts(experiment: Experiment) -> list[str]:
    """The names of a run's information-plane images (one per estimator)."""
    return sorted(name for name in experiment.artifact_names if name.startswith("infoplane") and name.endswith(".png"))


def draw_planes(report: CohortReport, path: Path) -> Path | None:
    """Every member's information planes in one image (a row per member, a column per estimator); None if no run
    has one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [(name, report.runs[name]) for name in report.members if name in report.runs]
    shown = [(name, run, plane_artifacts(run)) for name, run in shown]
    shown = [entry for entry in shown if entry[2]]
    if not shown:
        return None
    columns = max(len(planes) for _, _, planes in shown)
    per_row = columns if columns > 1 else min(4, len(shown))
    cells = [(name, run, plane) for name, run, planes in shown for plane in planes] if columns == 1 else None
    if cells is not None:
        n_rows = math.ceil(len(cells) / per_row)
    else:
        n_rows = len(shown)
    figure, axes = plt.subplots(n_rows, per_row, figsize=(5 * per_row, 3.9 * n_rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    if cells is not None:
        placed = [(axes.flat[i], name, run, plane) for i, (name, run, plane) in enumerate(cells)]
    else:
        placed = [(axes[r, c], name, run, plane) for r, (name, run, planes) in enumerate(shown)
                  for c, plane in enumerate(planes)]
    for axis, name, run, plane in placed:
        axis.imshow(run.artifacts[plane].img)
        axis.set_title(f"{member_label(report.members[name])} (run {run.id})", fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(figure)
    return path
