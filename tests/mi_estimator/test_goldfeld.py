"""Goldfeld et al.'s Monte-Carlo estimate of the noisy layer's mutual information: the literal formula, its
standard error, and its place between the Kolchinsky-Tracey bounds on every snapshot of a canonical run."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.mi_estimator import goldfeld
from tests.conftest import run_script


def literal_terms(activations, labels, s2, noise):
    """Per draw, ln phi(z) - ln p(t) and ln p(t|y) - ln p(t) in nats from the mixture's densities written out
    (normalising constants included), one draw at a time, distances from coordinate differences."""
    rows = np.asarray(activations, dtype=np.float64)
    n_rows, width = rows.shape
    log_norm = -width / 2 * np.log(2 * np.pi * s2)
    xt, ty = [], []
    for draw in noise:
        for i in range(n_rows):
            z = np.sqrt(s2) * draw[i]
            t = rows[i] + z
            log_kernels = log_norm - np.square(t - rows).sum(axis=1) / (2 * s2)
            log_p = logsumexp(log_kernels) - np.log(n_rows)
            same = labels == labels[i]
            log_p_y = logsumexp(log_kernels[same]) - np.log(same.sum())
            xt.append(log_norm - np.square(z).sum() / (2 * s2) - log_p)
            ty.append(log_p_y - log_p)
    return np.array(xt), np.array(ty)


def test_the_draws_equal_the_literal_mixture_densities():
    rng = np.random.default_rng(0)
    activations = np.tanh(rng.normal(size=(120, 3)))
    labels = rng.integers(0, 3, size=120)
    noise = rng.standard_normal((2, 120, 3))
    for s2 in (1e-3, 0.05, 1.0):
        fast = goldfeld.draw_terms(activations, labels, s2, noise)
        literal = literal_terms(activations, labels, s2, noise)
        np.testing.assert_allclose(fast[0], literal[0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(fast[1], literal[1], rtol=0, atol=1e-9)


def test_estimate_and_standard_error_are_the_mean_and_its_error_in_bits():
    rng = np.random.default_rng(1)
    activations = np.tanh(rng.normal(size=(1, 200, 2)))
    labels = rng.integers(0, 2, size=200)
    results = goldfeld.load(0.05, n_draws=3, seed=7).estimate_with_errors(activations, labels)
    xt, ty = goldfeld.draw_terms(activations[0], labels, 0.05, np.random.default_rng(7).standard_normal((3, 200, 2)))
    assert results["MI_XM"][0] == pytest.approx(xt.mean() / np.log(2), abs=1e-12)
    assert results["MI_YM_se"][0] == pytest.approx(ty.std(ddof=1) / np.sqrt(600) / np.log(2), abs=1e-12)


def test_the_standard_error_is_the_spread_of_estimates_over_seeds():
    rng = np.random.default_rng(1000)  # not one of the draws' seeds: those normals would be the layer's own
    activations = np.tanh(rng.normal(size=(1, 300, 2)) * 2)
    labels = rng.integers(0, 2, size=300)
    runs = [goldfeld.load(0.05, seed=seed).estimate_with_errors(activations, labels) for seed in range(40)]
    for key in ("MI_XM", "MI_YM"):
        spread = np.std([run[key][0] for run in runs], ddof=1)
        stated = np.mean([run[f"{key}_se"][0] for run in runs])
        assert 0.6 < spread / stated < 1.5, key


def test_a_snapshot_gets_the_same_draws_whichever_snapshots_come_with_it():
    rng = np.random.default_rng(3)
    activations = rng.normal(size=(3, 100, 2))
    labels = rng.integers(0, 2, size=100)
    together = goldfeld.load(0.1).estimate_snapshots(activations, labels)
    alone = goldfeld.load(0.1).estimate_snapshots(activations[2:], labels)
    assert together[0][2] == alone[0][0] and together[1][2] == alone[1][0]


def test_bad_arguments_are_rejected_with_an_example():
    with pytest.raises(ValueError, match="noise variance. must be greater than 0, got 0"):
        goldfeld.load(0)
    with pytest.raises(ValueError, match=r"n_draws must be a positive integer \(e.g. 1\), got 0"):
        goldfeld.load(0.001, n_draws=0)


def test_between_the_kde_bounds_on_every_snapshot_of_a_short_canonical_run(python, tmp_path):
    runs = tmp_path / "runs"
    estimators = ('estimators=[["mi_estimator.upper", {"discretization_range": 0.001}], '
                  '["mi_estimator.lower", {"discretization_range": 0.001}], '
                  '["mi_estimator.goldfeld", {"discretization_range": 0.001}]]')
    done = run_script(python, "experiment.py", "with", "configs/tishby.json", "epochs=3", "seed=2", estimators,
                      cwd=tmp_path, env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    assert done.returncode == 0, done.stderr
    measures = pd.read_csv(runs / "1" / "information_measures.csv")
    table = measures.pivot_table(index=["epoch", "layer"], columns="estimator",
                                 values=["MI_XM", "MI_YM", "MI_XM_se", "MI_XM_kde_gap"])
    assert len(table) == 3 * 6
    with ActivationFile(runs / "1" / "activations" / "run_0.h5") as store:
        last_layer = store.layer(store.layer_names[-1])[-1]
        recomputed = goldfeld.load(0.001).estimate_with_errors(last_layer[None], store.labels)
    assert table.loc[(2, 5), ("MI_XM", "goldfeld")] == pytest.approx(recomputed["MI_XM"][0], abs=1e-9)
    assert table.loc[(2, 5), ("MI_XM_se", "goldfeld")] == pytest.approx(recomputed["MI_XM_se"][0], abs=1e-9)
    for (epoch, layer), row in table.iterrows():
        assert row["MI_XM_kde_gap", "upper"] == pytest.approx(row["MI_XM", "upper"] - row["MI_XM", "lower"], abs=1e-12)
        margin = 4 * row["MI_XM_se", "goldfeld"] + 1e-9
        assert row["MI_XM", "lower"] - margin <= row["MI_XM", "goldfeld"] <= row["MI_XM", "upper"] + margin, (
            epoch, layer)
