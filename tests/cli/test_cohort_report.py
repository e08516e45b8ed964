"""``python -m deep_bottleneck.cli.cohort_report``: a cohort's results page from its runs, made by the runner from a
cohort grid, with the verdicts and intervals of every member and layer, the planes side by side, how the runs
departed from the grid, and the command, date and commit."""

import json
import re
import subprocess

import matplotlib.image
import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT, run_script

GRID = {
    "hypothesis": "Tiny nets: tanh and ReLU side by side.",
    "cohort": "tiny_report",
    "epochs": 6,
    "architecture": [4, 3],
    "n_runs": 2,
    # Several estimators: each run then records their names under ``estimator``, which is no departure.
    "estimators": [["mi_estimator.binning", {"discretization_range": 0.07}],
                   ["mi_estimator.binning", {"discretization_range": 0.5}]],
    "grid": {"activation_fn": ["tanh", "relu"]},
}


def report(python, *arguments, cwd):
    return subprocess.run([python, "-m", "deep_bottleneck.cli.cohort_report", *arguments], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "PYTHONPATH": str(PROJECT_ROOT)})


@pytest.fixture(scope="module")
def tiny_cohort(python, tmp_path_factory):
    """The two members of GRID run with ``epochs=3`` (a shortened run) into a file store."""
    folder = tmp_path_factory.mktemp("tiny_cohort")
    grid = folder / "tiny_report.json"
    grid.write_text(json.dumps(GRID))
    done = run_script(python, "run_experiments_local.py", "-d", str(grid), "-j", "2", "with", "epochs=3",
                      cwd=folder, env_updates={"DEEP_BOTTLENECK_MONGO_URL": "",
                                               "DEEP_BOTTLENECK_RUNS_DIR": str(folder / "runs")})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return folder, grid


def test_the_page_has_hypothesis_departures_verdicts_with_intervals_planes_and_provenance(python, tiny_cohort):
    folder, grid = tiny_cohort
    page = folder / "docs" / "tiny.md"
    done = report(python, str(grid), "--runs_dir", str(folder / "runs"), "--out", str(page), cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    text = page.read_text()
    assert "**Hypothesis.** Tiny nets: tanh and ReLU side by side." in text
    assert "2 of 2 members have a completed run." in text
    assert f"python run_experiments_local.py -d {grid} with epochs=3" in text
    assert "**These runs differ from the grid's settings** in `epochs` (3; the grid: 6)." in text
    summary = [line for line in text.splitlines() if re.match(r"\| activation_fn=\w+ \| binning \|", line)]
    assert len(summary) == 2
    # Every layer of both members (2 hidden and the readout) has a verdict with its interval, as compression.csv.
    # The runner starts both members at once, so which gets run id 1 is up to the scheduler.
    run_of = {json.loads((run / "config.json").read_text())["activation_fn"]: run
              for run in (folder / "runs").glob("[0-9]*")}
    for member in ("tanh", "relu"):
        verdicts = pd.read_csv(run_of[member] / "compression.csv").query("estimator == 'binning'")
        (row,) = [line for line in summary if line.startswith(f"| activation_fn={member} |")]
        cells = [cell.strip() for cell in row.strip("|").split("|")][2:]
        assert len(cells) == len(verdicts) == 3
        for cell, (_, layer) in zip(cells, verdicts.iterrows()):
            word = "**yes**" if layer["verdict"] == "compresses" else "no"
            assert cell == (f"{word} {layer['drop_bits']:.2f} [{layer['drop_ci_low']:.2f}, "
                            f"{layer['drop_ci_high']:.2f}]")
    assert "![The information planes of the members](tiny_planes.png)" in text
    planes = matplotlib.image.imread(folder / "docs" / "tiny_planes.png")
    # A row per member and a column per estimator, each plane 5 x 3.9 inches: a 2 x 2 grid.
    assert abs(planes.shape[1] / planes.shape[0] - (2 * 5) / (2 * 3.9)) < 0.15, planes.shape
    assert re.search(r"Made \d{4}-\d\d-\d\d \d\d:\d\d UTC at commit `[0-9a-f]{7,}", text)
    assert f"python -m deep_bottleneck.cli.cohort_report {grid} --runs_dir {folder / 'runs'} --out {page}" in text


def test_members_select_a_planes_image_and_a_cohort_without_runs_fails_in_one_line(python, tiny_cohort, tmp_path):
    folder, grid = tiny_cohort
    image = tmp_path / "headline.png"
    done = report(python, str(grid), "--runs_dir", str(folder / "runs"), "--members", "relu", "--planes",
                  str(image), cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert re.search(r"1 of 1 members: tiny_report_activation_fn_relu \(run [12]\)", done.stdout), done.stdout
    assert image.is_file()
    (tmp_path / "empty").mkdir()
    done = report(python, str(grid), "--runs_dir", str(tmp_path / "empty"), "--out", str(tmp_path / "page.md"),
                  cwd=PROJECT_ROOT)
    assert done.returncode == 1 and not (tmp_path / "page.md").exists()
    assert done.stderr.strip().count("\n") == 0
    assert "no completed run of cohort 'tiny_report'" in done.stderr
