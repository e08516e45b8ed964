"""A cohort's results page from its runs, in one command.

    python -m deep_bottleneck.cli.cohort_report configs/cohorts/cohort_5_activation_functions.json \\
        --runs_dir runs/cohorts --out docs/results/cohort_5.md

Reads the grid (its hypothesis, cohort name and members), finds the cohort's completed runs (the latest of each
member) in the file store ``--runs_dir`` (else MongoDB at ``$DEEP_BOTTLENECK_MONGO_URL``, else ``runs/``), and writes
a Markdown page: the hypothesis, the settings and repetitions of the runs shown, the compression verdict of every
member, estimator and layer with its bootstrap interval, the information planes side by side (an image beside the
page, ``<page>_planes.png``), and this command with the date and commit. ``--members tanh relu`` keeps the members
with these grid values; ``--planes FILE`` writes the planes image there (alone, without ``--out``).
Exit status 1, with one line, when the grid is unreadable or no member has a completed run.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from deep_bottleneck.batch.config_grid import HYPOTHESIS_KEY, read_batch_configs
from deep_bottleneck.cli.spellings import with_documented_spellings
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.eval_tools import ExperimentLoader
from deep_bottleneck.eval_tools.cohort_report import (CohortReport, draw_planes, latest_completed_by_member,
                                                      render_markdown)

OPTIONS = ("--runs_dir", "--out", "--members", "--planes", "--title")


def project_commit(folder: Path) -> str:
    """The commit checked out at ``folder``, marked when the work tree has changes; ``unknown`` outside git."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=folder, capture_output=True, text=True, check=True).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        changed = git("status", "--porcelain", "--untracked-files=no").strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (with uncommitted changes)" if changed else "")


def grid_members(grid: Path) -> tuple[str, str, dict[str, dict], dict[str, dict]]:
    """The grid's cohort name, hypothesis, members (name -> the values of the grid's axes) and each member's config
    as the grid writes it.

    Raises:
        ConfigError: The file is not a readable cohort grid.
    """
    configs, unreadable = read_batch_configs(grid)
    if unreadable:
        raise ConfigError(f"{grid}: {unreadable[0][1]}.")
    content = json.loads(grid.read_text())
    if "grid" not in content:
        raise ConfigError(f"{grid} is not a grid (no 'grid' key); give a file of configs/cohorts/.")
    axes = list(dict.fromkeys(key for axes in (content["grid"] if isinstance(content["grid"], list)
                                               else [content["grid"]]) for key in axes))
    cohort = content.get("cohort") or grid.stem
    members = {config.name: {key: config.values.get(key) for key in axes} for config in configs}
    return cohort, content.get(HYPOTHESIS_KEY, ""), members, {config.name: config.values for config in configs}


def _matches(values: dict, wanted: list[str]) -> bool:
    return any(json.dumps(value) == text or str(value) == text for value in values.values() for text in wanted)


def main(argv: list[str] | None = None) -> int:
    argv = with_documented_spellings(list(sys.argv[1:] if argv is None else argv), OPTIONS)
    parser = argparse.ArgumentParser(prog="python -m deep_bottleneck.cli.cohort_report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("grid", type=Path, help="the cohort's grid file (configs/cohorts/*.json)")
    parser.add_argument("--runs_dir", type=Path, help="file store of the runs (default: MongoDB if "
                        "$DEEP_BOTTLENECK_MONGO_URL is set, else $DEEP_BOTTLENECK_RUNS_DIR or runs/)")
    parser.add_argument("--out", type=Path, help="the Markdown page to write")
    parser.add_argument("--members", nargs="+", metavar="VALUE", help="only members with one of these grid values")
    parser.add_argument("--planes", type=Path, help="the planes image (default: <out>_planes.png)")
    parser.add_argument("--title", help="the page's heading (default: the cohort's name)")
    args = parser.parse_args(argv)
    if args.out is None and args.planes is None:
        parser.error("give --out (the page) or --planes (the image), or both")
    try:
        cohort, hypothesis, members, member_configs = grid_members(args.grid)
        loader = ExperimentLoader(runs_dir=args.runs_dir)
    except (ConfigError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.members:
        kept = {name: values for name, values in members.items() if _matches(values, args.members)}
        if not kept:
            example = next(iter(members.values()))
            print(f"error: no member of {args.grid} has a grid value in {args.members}; e.g. "
                  f"{', '.join(str(v) for v in example.values())}", file=sys.stderr)
            return 1
        members = kept
    runs = latest_completed_by_member(loader.find_by_cohort(cohort), list(members))
    if not runs:
        print(f"error: no completed run of cohort {cohort!r} in the store; run it first: "
              f"python run_experiments_local.py -d {args.grid}", file=sys.stderr)
        return 1
    planes = args.planes or args.out.with_name(args.out.stem + "_planes.png")
    command = "python -m deep_bottleneck.cli.cohort_report " + shlex.join(argv)
    report = CohortReport(
        title=args.title or f"Results of {cohort}", grid=str(args.grid), hypothesis=hypothesis, members=members,
        runs=runs, command=command, date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        commit=project_commit(Path.cwd()), axes=list(next(iter(members.values()))),
        member_configs=member_configs)
    drawn = draw_planes(report, planes)
    if args.out is not None:
        if drawn is not None:
            report.planes_file = os.path.relpath(drawn, args.out.parent)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(render_markdown(report))
        print(f"wrote {args.out}")
    if drawn is not None:
        print(f"wrote {drawn}")
    print(f"{len(runs)} of {len(members)} members: " + ", ".join(f"{name} (run {run.id})"
                                                                for name, run in runs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
