"""Stated errors against the truth: +-1.96 standard errors hold the known mutual information about 95 % of the
time over seeds, per estimator that states an error."""

import pytest

from deep_bottleneck.mi_estimator import ksg
from deep_bottleneck.testing.coverage import coverage_rows
from deep_bottleneck.testing.validation_cases import two_gaussians_mi_bits


@pytest.fixture(scope="module")
def rows():
    return {(row["estimator"], row["quantity"]): row for row in coverage_rows(n_seeds=40, n_rows=1000)}


@pytest.mark.parametrize("check", [("goldfeld", "MI_XM"), ("goldfeld", "MI_YM"), ("ksg", "MI_YM")])
def test_the_95_percent_intervals_cover_the_truth_at_about_their_rate(rows, check):
    row = rows[check]
    assert row["truth (bits)"] == pytest.approx(two_gaussians_mi_bits(1.0))
    assert 0.85 <= row["covered"] and 0.7 < row["sd of z"] < 1.4


def test_ksg_without_error_bars_adds_no_columns():
    assert ksg.load(0.5).error_columns == ()
