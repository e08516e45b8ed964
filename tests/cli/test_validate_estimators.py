"""``python -m deep_bottleneck.cli.validate_estimators``: estimators on layers of known MI."""

import os
import subprocess

import numpy as np
import pytest

from deep_bottleneck.testing.validation_cases import label_dependent_patterns, noisy_mixture_truth, uniform_patterns
from tests.conftest import PROJECT_ROOT


def validate(python, tmp_path, *arguments):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([python, "-m", "deep_bottleneck.cli.validate_estimators", *arguments], cwd=tmp_path,
                          env=environment, capture_output=True, text=True, timeout=600)


def test_the_kde_bounds_bracket_every_noisy_mixture_and_the_table_is_written(python, tmp_path):
    done = validate(python, tmp_path, "--quick", "--estimators", "mi_estimator.lower", "mi_estimator.upper",
                    "--markdown", "table.md")
    assert done.returncode == 0, done.stderr
    table = (tmp_path / "table.md").read_text()
    assert table == done.stdout
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert len(rows) == 2 * 16
    assert [row[11] for row in rows if row[0].startswith("| rows + N(0")] == ["ok"] * 6
    uniform_4 = next(row for row in rows if row[0] == "| uniform over 2^4 patterns" and row[2] == "upper")
    assert abs(float(uniform_4[5])) < 0.01  # error of I(X;T) in bits


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
