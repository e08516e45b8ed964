"""MI over a family of networks (``family_size``): built from the repetitions' activations."""

import json

import numpy as np
import pandas as pd
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.run.network_family import FAMILY_RUN, network_of_each_row
from deep_bottleneck.run.pipeline import run_experiment
from tests.conftest import run_script


def test_a_family_of_one_network_measures_what_the_network_measures(tmp_path, short_config):
    config = {**short_config, "epochs": 2, "family_size": 1, "calculate_mi_for": "test",
              "estimators": ["mi_estimator.binning", ["mi_estimator.ksg", {"discretization_range": 0.001}]]}
    result = run_experiment(config, tmp_path)
    measures = result.measures
    assert set(measures["estimator"]) == {"binning", "ksg", "family_binning", "family_ksg"}
    for label in ("binning", "ksg"):
        network = measures[(measures["estimator"] == label) & (measures["run"] == 0)]
        family = measures[(measures["estimator"] == f"family_{label}") & (measures["run"] == FAMILY_RUN)]
        assert len(network) == 2 * 6
        np.testing.assert_array_equal(family[["epoch", "layer", "MI_XM", "MI_YM"]].to_numpy(),
                                      network[["epoch", "layer", "MI_XM", "MI_YM"]].to_numpy())
    assert {path.name for path in result.plot_paths} == {
        "infoplane_binning.png", "infoplane_ksg.png", "infoplane_family_binning.png", "infoplane_family_ksg.png"}


def test_a_family_of_two_from_the_command_line_draws_a_network_for_each_input(python, tmp_path):
    runs = tmp_path / "runs"
    done = run_script(python, "experiment.py", "with", "epochs=2", "architecture=[6,4]", "family_size=2",
                      "seed=5", cwd=tmp_path, env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    assert done.returncode == 0, done.stderr
    folder = runs / "1"
    measures = pd.read_csv(folder / "information_measures.csv")
    assert sorted(measures["run"].unique()) == [FAMILY_RUN, 0, 1]
    assert (folder / "infoplane_family_binning.png").is_file()
    assert json.loads((folder / "config.json").read_text())["family_size"] == 2

    stores = [ActivationFile(folder / "activations" / f"run_{k}.h5") for k in (0, 1)]
    networks = network_of_each_row(len(stores[0].labels), 2, seed=5)
    assert 0 < networks.mean() < 1
    layer = np.stack([store.layer("layer_1")[-1] for store in stores])
    family = layer[networks, np.arange(len(networks))]
    expected = plugins.load_plugin("estimator", "mi_estimator.binning").estimate_snapshots(
        family[None], stores[0].labels)
    row = measures[(measures["run"] == FAMILY_RUN) & (measures["layer"] == 1) & (measures["epoch"] == 1)]
    assert row[["MI_XM", "MI_YM"]].to_numpy()[0] == pytest.approx([expected[0][0], expected[1][0]], abs=1e-12)
    for store in stores:
        store.close()


def test_family_size_raises_n_runs_and_must_be_positive(short_config):
    from deep_bottleneck.config import validate_config

    assert validate_config({**short_config, "family_size": 3})["n_runs"] == 3
    with pytest.raises(ConfigError, match="'family_size' must be a positive integer"):
        validate_config({**short_config, "family_size": 0})
