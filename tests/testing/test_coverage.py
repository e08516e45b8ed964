"""Stated errors against the truth: +-1.96 standard errors hold the known mutual information about 95 % of the
time over seeds, per estimator that states an error, where the estimator is unbiased; where it is biased, the
z-scores show the bias (their mean) and a spread of about 1 (their standard deviation)."""

import pytest

from deep_bottleneck.mi_estimator import ksg
from deep_bottleneck.testing.coverage import CHECKS, draw_seeds, summary_rows
from deep_bottleneck.testing.validation_cases import two_gaussians_mi_bits


@pytest.fixture(scope="module")
def rows():
    checks = [check for check in CHECKS if "MI_YM" in check.quantities]
    return {(row["estimator"], row["quantity"]): row for check in checks
            for row in summary_rows(check, draw_seeds(check, range(40), 1000), 1000)}


@pytest.mark.parametrize("check", [("goldfeld", "MI_XM"), ("goldfeld", "MI_YM"), ("ksg", "MI_YM")])
def test_the_95_percent_intervals_cover_the_truth_at_about_their_rate(rows, check):
    row = rows[check]
    assert row["truth (bits)"] == pytest.approx(two_gaussians_mi_bits(1.0))
    assert 0.85 <= row["covered"] and 0.7 < row["sd of z"] < 1.4


def ksg_x_t_row(noise_variance):
    check = next(c for c in CHECKS if c.quantities == ("MI_XM",) and c.noise_variance == noise_variance)
    return next(summary_rows(check, draw_seeds(check, range(30), 400), 400))


def test_ksg_i_x_t_intervals_cover_the_truth_of_well_separated_rows():
    row = ksg_x_t_row(0.05)
    assert row["truth (bits)"] == pytest.approx(1.0, abs=1e-4)
    assert row["covered"] >= 0.85 and row["sd of z"] < 1.4


def test_ksg_i_x_t_errors_are_its_spread_not_its_bias_of_eight_draws_per_row():
    row = ksg_x_t_row(1.0)
    assert row["mean z"] > 2 and 0.6 < row["sd of z"] < 1.4
    assert row["covered"] < 0.5


def test_ksg_without_error_bars_adds_no_columns():
    assert ksg.load(0.5).error_columns == ()

