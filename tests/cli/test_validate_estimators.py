"""``python -m deep_bottleneck.cli.validate_estimators``: estimators on layers of known MI."""

import os
import subprocess

import numpy as np
import pytest

from deep_bottleneck.testing.validation_cases import (
    all_cases, label_dependent_patterns, noisy_mixture_truth, uniform_patterns,
)
from tests.conftest import PROJECT_ROOT


def validate(python, tmp_path, *arguments):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([python, "-m", "deep_bottleneck.cli.validate_estimators", *arguments], cwd=tmp_path,
                          env=environment, capture_output=True, text=True, timeout=600)


def test_the_kde_bounds_bracket_every_noisy_mixture_and_the_table_is_written(python, tmp_path):
    done = validate(python, tmp_path, "--quick", "--estimators", "mi_estimator.lower", "mi_estimator.upper",
                    "--markdown", "table.md", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    table = (tmp_path / "table.md").read_text()
    assert table == done.stdout
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert len(rows) == 2 * len(all_cases(quick=True)) == 2 * 9
    assert [row[11] for row in rows if row[0].startswith("| rows + N(0")] == ["ok"] * 4
    uniform_10 = next(row for row in rows if row[0] == "| uniform over 2^10 patterns" and row[2] == "upper")
    # The plug-in bias of 1024 patterns from 2000 rows, -(L - 1) / (2 N ln 2) = -0.369 bits, and little more.
    assert -0.6 < float(uniform_10[5]) < -0.2


def test_worker_processes_give_the_table_one_process_gives(python, tmp_path):
    tables = [validate(python, tmp_path, "--quick", "--estimators", "mi_estimator.binning", "mi_estimator.edge",
                       "--jobs", jobs).stdout for jobs in ("1", "2")]
    without_seconds = [[line.split(" | ")[:10] + line.split(" | ")[11:] for line in table.splitlines()]
                       for table in tables]
    assert len(without_seconds[0]) == 2 + 2 * 9 and without_seconds[0] == without_seconds[1]


def test_an_unknown_estimator_is_one_line_with_a_suggestion(python, tmp_path):
    done = validate(python, tmp_path, "--estimators", "mi_estimator.ksq")
    assert done.returncode == 1
    assert done.stderr.startswith(
        "error: No estimator plug-in named 'mi_estimator.ksq'. Did you mean 'mi_estimator.ksg'")
    assert len(done.stderr.strip().splitlines()) == 1


def test_truths_of_the_cases():
    assert uniform_patterns(3, 10).mi_xt == 3.0
    assert uniform_patterns(3, 10, flip=0.5).mi_ty == pytest.approx(0.0)
    case = label_dependent_patterns(10, width=3, per_class=4, shift=4, n_classes=2)  # disjoint sets
    assert (case.mi_xt, case.mi_ty) == pytest.approx((3.0, 1.0))
    far_apart = np.arange(8, dtype=float)[:, None] * 100.0
    mi_xt, mi_ty, error = noisy_mixture_truth(far_apart, np.arange(8) % 2, 0.01, 2000)
    assert (mi_xt, mi_ty) == pytest.approx((3.0, 1.0), abs=1e-9) and error == pytest.approx(0.0, abs=1e-9)


def test_beyond_normal_adds_the_baselines_table_and_the_mixed_tasks(python, tmp_path):
    done = validate(python, tmp_path, "--quick", "--beyond-normal", "--seeds", "1", "--estimators",
                    "mi_estimator.binning", "--markdown", "table.md")
    assert done.returncode == 0, done.stderr
    table = (tmp_path / "table.md").read_text()
    mixed = [line.split(" | ") for line in table.splitlines() if line.startswith("| U(y, y + 1) / 2")]
    assert len(mixed) == 1 and abs(float(mixed[0][8])) < 1e-9  # binning at width 0.02 splits the classes exactly
    baselines = [line.split(" | ") for line in table.splitlines() if line.startswith("| Bivariate normal 1 x 1")]
    assert [row[3] for row in baselines] == ["CCA", "KSG (k=5)", "histogram (5 bins)"]
    assert abs(float(baselines[0][6])) < 0.05  # CCA's error on a bivariate normal at N = 2000
    assert "| all | KSG (k=5) | 5 |" in table


def test_seeds_below_one_are_refused(python, tmp_path):
    done = validate(python, tmp_path, "--beyond-normal", "--seeds", "0")
    assert done.returncode == 2 and "--seeds must be at least 1, got 0" in done.stderr


def test_the_suite_ends_with_the_coverage_of_the_chosen_estimators_stated_errors(python, tmp_path):
    from deep_bottleneck.cli.validate_estimators import QUICK_COVERAGE
    from deep_bottleneck.testing.coverage import coverage_checks, coverage_rows
    from deep_bottleneck.testing.estimator_validation import coverage_table

    done = validate(python, tmp_path, "--quick", "--estimators", "mi_estimator.goldfeld", "mi_estimator.binning",
                    "--jobs", "2")
    assert done.returncode == 0, done.stderr
    in_one_process = coverage_table(list(coverage_rows(*QUICK_COVERAGE, checks=coverage_checks(
        ["mi_estimator.goldfeld"]))))
    assert done.stdout.endswith("\n\n" + in_one_process)
    assert [line.split(" | ")[:2] for line in in_one_process.splitlines()[2:]] == [
        ["| goldfeld", "MI_XM"], ["| goldfeld", "MI_YM"]]
