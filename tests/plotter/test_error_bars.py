"""Error bars of the information planes: from the measures' uncertainty columns, averaged over repetitions by the
stated rule (``plotter._error_bars``), drawn as the table written beside the image says, through ``experiment.py``."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

from deep_bottleneck.plotter._error_bars import (
    EXACT, KDE_BOUNDS, MILLER_MADOW, STANDARD_ERROR, error_bar_segments, mean_with_error_bars,
    standard_error_half_width,
)
from deep_bottleneck.plotter.base import PlotContext
from deep_bottleneck.plotter.informationplane import load
from tests.conftest import run_script

Z = 1.959963984540054


def rows(values, **columns):
    """Measures of one (epoch 5, layer 0) point, one row per repetition; ``columns`` per-row extra columns."""
    frame = pd.DataFrame({"epoch": 5, "layer": 0, "run": range(len(values)), "MI_XM": values,
                          "MI_YM": np.asarray(values) / 10})
    for name, column in columns.items():
        frame[name] = column
    return frame


def test_one_repetitions_standard_errors_give_plus_minus_1_96_of_them():
    table = mean_with_error_bars(rows([3.0], MI_XM_se=[0.1], MI_YM_se=[0.02]))
    row = table.iloc[0]
    assert (row["MI_XM_low"], row["MI_XM_high"]) == pytest.approx((3 - Z * 0.1, 3 + Z * 0.1))
    assert (row["MI_YM_low"], row["MI_YM_high"]) == pytest.approx((0.3 - Z * 0.02, 0.3 + Z * 0.02))
    assert row["MI_XM_error"] == STANDARD_ERROR and row["runs"] == 1


def test_the_mean_of_repetitions_takes_the_larger_of_their_spread_and_their_stated_errors():
    values = [2.0, 2.4, 2.2, 2.9]
    spread = student_t.ppf(0.975, 3) * np.std(values, ddof=1) / 2
    small = mean_with_error_bars(rows(values, MI_XM_se=[0.01] * 4)).iloc[0]
    assert small["MI_XM"] == pytest.approx(2.375)
    assert small["MI_XM_high"] - small["MI_XM"] == pytest.approx(spread)
    large_errors = [0.8, 1.0, 0.9, 0.7]
    large = mean_with_error_bars(rows(values, MI_XM_se=large_errors)).iloc[0]
    assert large["MI_XM_high"] - large["MI_XM"] == pytest.approx(Z * np.sqrt(np.mean(np.square(large_errors)) / 4))
    assert large["MI_XM_high"] - large["MI_XM"] > spread


def test_exact_values_have_no_error_alone_and_their_spread_over_repetitions():
    one = mean_with_error_bars(rows([4.0], exact=[True])).iloc[0]
    assert one["MI_XM_low"] == one["MI_XM_high"] == 4.0 and one["MI_XM_error"] == EXACT
    two = mean_with_error_bars(rows([4.0, 5.0], exact=[True, True])).iloc[0]
    assert two["MI_XM_high"] - two["MI_XM"] == pytest.approx(student_t.ppf(0.975, 1) * np.sqrt(0.5) / np.sqrt(2))


def test_kde_bounds_bracket_from_either_side_and_miller_madow_from_the_plug_in():
    gap = {"MI_XM_kde_gap": [0.5, 0.7], "MI_YM_kde_gap": [0.1, 0.1]}
    upper = mean_with_error_bars(rows([6.0, 6.2], **gap), "mi_estimator.upper").iloc[0]
    lower = mean_with_error_bars(rows([5.5, 5.5], **gap), "mi_estimator.lower").iloc[0]
    widen = student_t.ppf(0.975, 1) * np.std([5.5, 5.5], ddof=1) / np.sqrt(2)  # the lower ends agree: 0
    assert upper["MI_XM_high"] == pytest.approx(6.1 + student_t.ppf(0.975, 1) * np.std([6.0, 6.2], ddof=1) / 2 ** .5)
    assert upper["MI_XM_low"] == pytest.approx(5.5 - widen) and upper["MI_XM_error"] == KDE_BOUNDS
    assert lower["MI_XM_low"] == pytest.approx(5.5)
    assert lower["MI_XM_high"] == pytest.approx(6.1 + student_t.ppf(0.975, 1) * np.std([6.0, 6.2], ddof=1) / 2 ** .5)
    corrected = mean_with_error_bars(rows([3.0], MI_XM_miller_madow=[3.2], MI_YM_miller_madow=[0.25])).iloc[0]
    assert (corrected["MI_XM_low"], corrected["MI_XM_high"]) == (3.0, 3.2)
    assert (corrected["MI_YM_low"], corrected["MI_YM_high"]) == (0.25, 0.3)
    assert corrected["MI_YM_error"] == MILLER_MADOW


def test_estimators_without_errors_get_no_bars():
    table = mean_with_error_bars(rows([1.0, 2.0]))
    assert table["MI_XM_low"].isna().all() and error_bar_segments(table) == []


@pytest.mark.parametrize("between_networks", [0.0, 0.05, 0.5])
def test_the_interval_of_the_mean_holds_the_networks_mean_at_about_95_percent(between_networks):
    """Five repetitions, each network's MI drawn around the mean (sd ``between_networks``), each estimate around
    its network's MI with its stated standard error 0.1; the interval should hold the mean in ~95 % of studies."""
    rng = np.random.default_rng(int(between_networks * 100))
    studies, repetitions, stated = 4000, 5, 0.1
    networks = 1.0 + between_networks * rng.normal(size=(studies, repetitions))
    estimates = networks + stated * rng.normal(size=(studies, repetitions))
    halves = np.array([standard_error_half_width(row, np.full(repetitions, stated**2)) for row in estimates])
    covered = np.mean(np.abs(estimates.mean(axis=1) - 1.0) <= halves)
    assert 0.93 <= covered <= 0.995


def test_the_drawn_bars_are_the_tables():
    measures = rows([3.0, 3.4], MI_XM_se=[0.1, 0.2], MI_YM_se=[0.01, 0.03])
    figure = load(error_bars=True).plot(measures, PlotContext(split="training", n_rows=64, label_entropy=1.0,
                                                              estimator="mi_estimator.goldfeld"))
    table = mean_with_error_bars(measures, "mi_estimator.goldfeld")
    drawn = {c.get_gid(): c.get_segments() for c in figure.axes[0].collections if c.get_gid()}
    np.testing.assert_allclose(drawn["error_bars_MI_XM"][0], [[table["MI_XM_low"][0], table["MI_YM"][0]],
                                                              [table["MI_XM_high"][0], table["MI_YM"][0]]])
    np.testing.assert_allclose(drawn["error_bars_MI_YM"][0], [[table["MI_XM"][0], table["MI_YM_low"][0]],
                                                              [table["MI_XM"][0], table["MI_YM_high"][0]]])
    assert figure.axes[0].get_legend().get_texts()[0].get_text() == "error bars: +-1.96 standard errors"
    plt.close(figure)


def test_error_bars_must_be_true_or_false():
    with pytest.raises(ValueError, match="error_bars must be true or false, got 'yes'"):
        load(error_bars="yes")


def test_experiment_draws_each_estimators_bars_from_the_csv_averaged_over_its_runs(python, tmp_path):
    runs = tmp_path / "runs"
    done = run_script(
        python, "experiment.py", "with", "epochs=2", "architecture=[3]", "n_runs=2", "parallel_runs=1",
        "calculate_mi_for=test",
        'estimators=[["mi_estimator.goldfeld", {"discretization_range": 0.1}], '
        '["mi_estimator.upper", {"discretization_range": 0.1}], ["mi_estimator.lower", {"discretization_range": 0.1}],'
        ' "mi_estimator.binning"]',
        'plotters=[["plotter.informationplane", {"error_bars": True}]]',
        cwd=tmp_path, env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    assert done.returncode == 0, done.stderr
    folder = runs / "1"
    measures = pd.read_csv(folder / "information_measures.csv")
    artifacts = json.loads((folder / "run.json").read_text())["artifacts"]
    for label, rows_of in measures.groupby("estimator"):
        assert f"infoplane_{label}.png" in artifacts and f"infoplane_{label}_error_bars.csv" in artifacts
        assert f"Plot data: {folder / f'infoplane_{label}_error_bars.csv'}" in done.stdout
        bars = pd.read_csv(folder / f"infoplane_{label}_error_bars.csv").set_index(["epoch", "layer"])
        for (epoch, layer), point in rows_of.groupby(["epoch", "layer"]):
            bar = bars.loc[(epoch, layer)]
            assert bar["runs"] == 2 and bar["MI_XM"] == pytest.approx(point["MI_XM"].mean())
            t_spread = student_t.ppf(0.975, 1) * point["MI_XM"].std(ddof=1) / np.sqrt(2)
            if label.startswith("goldfeld"):
                floor = Z * np.sqrt((point["MI_XM_se"] ** 2).mean() / 2)
                assert bar["MI_XM_high"] - bar["MI_XM"] == pytest.approx(max(t_spread, floor))
            elif label.startswith("upper"):
                lower_ends = point["MI_XM"] - point["MI_XM_kde_gap"]
                assert bar["MI_XM_high"] == pytest.approx(point["MI_XM"].mean() + t_spread)
                assert bar["MI_XM_low"] == pytest.approx(
                    lower_ends.mean() - student_t.ppf(0.975, 1) * lower_ends.std(ddof=1) / np.sqrt(2))
            elif label.startswith("binning"):
                assert np.isnan(bar["MI_XM_low"]) and not isinstance(bar["MI_XM_error"], str)


def test_the_movies_current_layers_carry_the_bars_of_their_epoch(tmp_path):
    from deep_bottleneck.plotter import informationplane_movie

    measures = pd.concat([rows([3.0, 3.4], MI_XM_se=[0.1, 0.2], MI_YM_se=[0.01, 0.03]).assign(epoch=epoch, layer=layer)
                          for epoch in (1, 2) for layer in (0, 1)], ignore_index=True)
    context = PlotContext(split="training", n_rows=64, label_entropy=1.0, estimator="mi_estimator.goldfeld")
    plotter = informationplane_movie.load(error_bars=True, max_frames=2)
    figure = plotter.plot(measures, context)
    bars = next(c for c in figure.axes[0].collections if c.get_gid() == "error_bars")
    table = mean_with_error_bars(measures, "mi_estimator.goldfeld")
    np.testing.assert_allclose(bars.get_segments(), error_bar_segments(table[table["epoch"] == 2]))
    assert len(bars.get_segments()) == 4
    plt.close(figure)
    plotter.generate(measures, context, tmp_path)
    assert plotter.data_paths(context, tmp_path) == [tmp_path / "infoplane_movie_error_bars.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "infoplane_movie_error_bars.csv"), table)
