"""End-to-end runs of the pipeline, without Sacred."""

import numpy as np
import pandas as pd
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.activation_file import ActivationFile, ActivationWriter
from deep_bottleneck.errors import ConfigError, DamagedFileError, EstimationError
from deep_bottleneck.mi_estimator import binning
from deep_bottleneck.run.estimation import estimate_activation_file, load_estimators
from deep_bottleneck.run.pipeline import run_experiment


def test_short_run_writes_measures_plot_activations_and_metrics(tmp_path, short_config):
    metrics, artifacts = [], []
    result = run_experiment(short_config, tmp_path, log_scalar=lambda *a: metrics.append(a),
                            add_artifact=lambda path, name: artifacts.append(name))

    measures = pd.read_csv(result.measures_path)
    assert list(measures.columns) == ["epoch", "layer", "run", "MI_XM", "MI_YM", "estimator"]
    assert set(measures["estimator"]) == {"binning"}
    assert len(measures) == 6 * 6
    assert measures["MI_XM"].between(0, 12 + 1e-9).all()
    assert measures["MI_YM"].between(0, 0.999158).all()
    assert (measures.loc[measures["layer"] == 0, "MI_XM"] > 10).all()

    assert sorted(artifacts) == ["compression.csv", "infoplane.png", "information_measures.csv"]
    assert result.plot_paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {name for name, _, _ in metrics} == {
        "training.loss", "training.accuracy", "validation.loss", "validation.accuracy"}
    assert [step for name, _, step in metrics if name == "training.loss"] == list(range(6))

    with ActivationFile(result.activation_paths[0]) as store:
        assert store.split == "full_dataset"
        assert store.epochs.tolist() == list(range(6))
        assert [store.layer(name).shape for name in store.layer_names] == [
            (6, 4096, w) for w in (10, 7, 5, 4, 3, 2)]


def test_same_seed_twice_gives_identical_mi(tmp_path, short_config):
    first = run_experiment(short_config, tmp_path / "a").measures
    second = run_experiment(short_config, tmp_path / "b").measures
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    third = run_experiment({**short_config, "seed": 4}, tmp_path / "c").measures
    assert not np.array_equal(first["MI_XM"], third["MI_XM"])


def test_repeated_runs_are_stored_per_run(tmp_path, short_config):
    metrics = []
    config = {**short_config, "n_runs": 2, "epochs": 2, "calculate_mi_for": "test"}
    result = run_experiment(config, tmp_path, log_scalar=lambda *a: metrics.append(a[0]))
    assert sorted(result.measures["run"].unique()) == [0, 1]
    assert len(result.activation_paths) == 2
    assert {"run_0.training.loss", "run_1.validation.accuracy"} <= set(metrics)
    with ActivationFile(result.activation_paths[1]) as store:
        assert store.layer("layer_0").shape == (2, 819, 10)


def test_bad_config_fails_before_anything_is_written(tmp_path, short_config):
    with pytest.raises(ConfigError, match="architecture"):
        run_experiment({**short_config, "architecture": []}, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_nan_activations_name_run_epoch_and_layer(tmp_path):
    path = tmp_path / "run_3.h5"
    with ActivationWriter(path, ["layer_0", "layer_1"], [2, 2], np.array([0, 1, 0]), "training") as writer:
        writer.append(0, [np.zeros((3, 2)), np.zeros((3, 2))])
        writer.append(40, [np.zeros((3, 2)), np.array([[0, np.nan], [0, 0], [1, 1]])])
    with pytest.raises(DamagedFileError, match=r"run 3, layer 'layer_1', epoch 40\)"):
        estimate_activation_file(binning.load(0.07), path, run=3)


def test_estimation_in_small_chunks_and_threads_gives_the_same_result(tmp_path, short_config):
    """Rows estimated while training runs (one snapshot at a time) equal those of the activation file, in chunks
    and threads: values, order, columns (the KDE gap and binning's Miller-Madow values) and types."""
    estimators = [["mi_estimator.binning", {"discretization_range": 0.07, "error_bars": True}],
                  ["mi_estimator.upper", {"discretization_range": 0.001}],
                  ["mi_estimator.lower", {"discretization_range": 0.001}]]
    config = {**{k: v for k, v in short_config.items() if k not in {"estimator", "discretization_range"}},
              "epochs": 4, "estimators": estimators}
    result = run_experiment(config, tmp_path)
    assert {"MI_XM_kde_gap", "MI_XM_miller_madow"} <= set(result.measures.columns)
    for workers in (1, 2):
        chunked = estimate_activation_file(load_estimators(estimators), result.activation_paths[0], run=0,
                                           chunk_bytes=1, workers=workers)
        pd.testing.assert_frame_equal(chunked, result.measures)


@pytest.mark.parametrize("estimator", ["mi_estimator.binning", "mi_estimator.upper", "mi_estimator.lower"])
@pytest.mark.parametrize("split, n_rows", [("training", 3277), ("test", 819)])
def test_every_estimator_honours_calculate_mi_for(tmp_path, short_config, estimator, split, n_rows):
    config = {**short_config, "epochs": 2, "estimator": estimator, "calculate_mi_for": split,
              "discretization_range": 0.07 if estimator.endswith("binning") else 0.001}
    result = run_experiment(config, tmp_path)
    assert len(result.measures) == 2 * 6
    assert result.measures["MI_XM"].between(0, np.log2(n_rows) + 1e-9).all()
    assert result.measures.loc[result.measures["layer"] == 0, "MI_XM"].min() > 0.9 * np.log2(n_rows)
    with ActivationFile(result.activation_paths[0]) as store:
        assert store.split == split and len(store.labels) == n_rows


def test_a_diverging_run_stops_with_a_clear_error_and_keeps_earlier_results(tmp_path, short_config):
    artifacts = []
    config = {**short_config, "epochs": 3, "n_runs": 2, "callbacks": ["tests.nan_on_second_run_callback"]}
    with pytest.raises(EstimationError, match=r"Run 1, layer 'layer_0'.*NaN or infinite at epoch 2"):
        run_experiment(config, tmp_path, add_artifact=lambda path, name: artifacts.append(name))
    measures = pd.read_csv(tmp_path / "information_measures.csv")
    assert measures["run"].unique().tolist() == [0] and len(measures) == 3 * 6
    assert artifacts == ["information_measures.csv"]
    assert (tmp_path / "activations" / "run_1.h5").exists()


def test_several_estimators_in_one_run_measure_what_each_measures_alone(tmp_path, short_config):
    """One training, one pass over the activations, the KDE bounds in one kernel pass: the same numbers as
    estimating the recorded activations with each estimator on its own."""
    estimators = [["mi_estimator.binning", {"discretization_range": 0.07}],
                  ["mi_estimator.upper", {"discretization_range": 0.001}],
                  ["mi_estimator.lower", {"discretization_range": 0.001}]]
    single_keys = {"estimator", "discretization_range"}
    config = {**{k: v for k, v in short_config.items() if k not in single_keys}, "epochs": 3,
              "estimators": estimators}
    artifacts = []
    result = run_experiment(config, tmp_path, add_artifact=lambda path, name: artifacts.append(name))
    assert set(artifacts) == {"information_measures.csv", "compression.csv", "infoplane_binning.png",
                              "infoplane_lower.png", "infoplane_upper.png"}
    for name, arguments in estimators:
        label = name.rsplit(".", 1)[-1]
        alone = estimate_activation_file(plugins.load_plugin("estimator", name, **arguments),
                                         result.activation_paths[0], run=0)
        together = result.measures[result.measures["estimator"] == label].reset_index(drop=True)
        np.testing.assert_allclose(together[["MI_XM", "MI_YM"]], alone[["MI_XM", "MI_YM"]], rtol=0, atol=1e-9)
        assert together[["epoch", "layer"]].equals(alone[["epoch", "layer"]])


def test_repetitions_in_parallel_equal_repetitions_one_at_a_time(tmp_path, short_config):
    # Bit for bit when each repetition trains alone; trained together, the groups (one per worker) round their
    # matrix products by their size, within tests/run/test_repetition_group.py's tolerance.
    config = {**short_config, "epochs": 4, "n_runs": 3, "batched_repetitions": False}
    metrics = {1: [], 2: []}
    results = {workers: run_experiment({**config, "parallel_runs": workers}, tmp_path / str(workers),
                                       log_scalar=lambda *m, workers=workers: metrics[workers].append(m))
               for workers in (1, 2)}
    pd.testing.assert_frame_equal(results[1].measures, results[2].measures, check_exact=True)
    assert sorted(metrics[1]) == sorted(metrics[2])
    for first, second in zip(results[1].activation_paths, results[2].activation_paths):
        with ActivationFile(first) as a, ActivationFile(second) as b:
            for name in a.layer_names:
                np.testing.assert_array_equal(a.layer(name)[:], b.layer(name)[:])


def test_estimators_and_the_single_estimator_keys_are_not_mixed(tmp_path, short_config):
    with pytest.raises(ConfigError, match=r"\['discretization_range'\] and 'estimators' both choose estimators"):
        run_experiment({**short_config, "estimators": ["mi_estimator.upper"], "discretization_range": 0.001},
                       tmp_path / "run")
    with pytest.raises(ConfigError, match="configured identically"):
        run_experiment({**{k: v for k, v in short_config.items() if k != "estimator"},
                        "estimators": ["mi_estimator.upper", ["mi_estimator.upper", {}]]}, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_canonical_experiment_equals_the_one_run_at_a_time_path(tmp_path, project_root):
    """configs/tishby.json, shortened: repetitions in parallel, estimated while training, KDE bounds in one pass,
    against the path before the speed work (one repetition at a time, each estimator on its own, from the
    activation files after training)."""
    import json

    canonical = {**json.loads((project_root / "configs" / "tishby.json").read_text()), "epochs": 12, "n_runs": 2}
    new = run_experiment(canonical, tmp_path / "new").measures
    reference = []
    for name, arguments in canonical["estimators"]:
        single = {k: v for k, v in canonical.items() if k != "estimators"}
        single |= {"estimator": name, "discretization_range": arguments["discretization_range"], "parallel_runs": 1}
        old = run_experiment(single, tmp_path / name)
        for run, path in enumerate(old.activation_paths):
            measures = estimate_activation_file(plugins.load_plugin("estimator", name, **arguments), path, run)
            reference.append(measures.assign(estimator=name.rsplit(".", 1)[-1]))
    joined = new.merge(pd.concat(reference), on=["estimator", "run", "epoch", "layer"], validate="one_to_one")
    assert len(joined) == len(new) == 3 * 2 * 12 * 6
    assert (joined["MI_XM_x"] - joined["MI_XM_y"]).abs().max() < 1e-4
    assert (joined["MI_YM_x"] - joined["MI_YM_y"]).abs().max() < 1e-4
