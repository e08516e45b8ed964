"""Repetitions trained together through ``experiment.py`` equal them trained one at a time; a study can keep the
weights only and still re-estimate and plot."""

import json
import logging
import os
import subprocess

import numpy as np
import pandas as pd

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.run import pipeline
from deep_bottleneck.run.pipeline import run_experiment
from tests.conftest import PROJECT_ROOT, run_script

#: Weights and metrics of a repetition trained together and alone differ by float32 rounding only (~1e-7 observed).
TOLERANCE = 1e-5
MI_TOLERANCE_BITS = 1e-4
SHORT = ["epochs=8", "architecture=[10,7,5,4,3]", "activation_fn=tanh", "n_runs=3", "seed=3",
         'estimators=["mi_estimator.binning", "mi_estimator.upper", "mi_estimator.lower"]']
KEYS = ["estimator", "run", "epoch", "layer"]


def experiment(python, tmp_path, name, *overrides):
    runs = tmp_path / name
    done = run_script(python, "experiment.py", "with", *SHORT, *overrides, cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs), "DEEP_BOTTLENECK_MONGO_URL": ""})
    assert done.returncode == 0, done.stderr[-3000:]
    return runs / "1", done.stderr


def largest_difference(first: pd.DataFrame, second: pd.DataFrame) -> float:
    joined = first.merge(second, on=KEYS, validate="one_to_one")
    assert len(joined) == len(first) == len(second)
    return float(max((joined["MI_XM_x"] - joined["MI_XM_y"]).abs().max(),
                     (joined["MI_YM_x"] - joined["MI_YM_y"]).abs().max()))


def test_together_equals_one_at_a_time_and_weights_only_runs_reestimate_and_plot(python, tmp_path):
    together, log = experiment(python, tmp_path, "together", "parallel_runs=2")
    assert "one at a time" not in log
    alone, _ = experiment(python, tmp_path, "alone", "parallel_runs=1", "batched_repetitions=False",
                          "store_activations=False",
                          'plotters=[["plotter.informationplane", {}], ["plotter.activations", {}]]')

    measures = pd.read_csv(together / "information_measures.csv")
    assert sorted(measures["run"].unique()) == [0, 1, 2] and set(measures["estimator"]) == {"binning", "upper", "lower"}
    assert largest_difference(measures, pd.read_csv(alone / "information_measures.csv")) < MI_TOLERANCE_BITS

    metrics = [json.loads((folder / "metrics.json").read_text()) for folder in (together, alone)]
    assert metrics[0].keys() == metrics[1].keys() and "run_2.validation.loss" in metrics[0]
    for name in metrics[0]:
        assert metrics[0][name]["steps"] == metrics[1][name]["steps"] == list(range(8))
        np.testing.assert_allclose(metrics[0][name]["values"], metrics[1][name]["values"], rtol=0, atol=TOLERANCE)

    for run in range(3):
        with ActivationFile(together / "activations" / f"run_{run}.h5") as stored, \
                ActivationFile(alone / "activations" / f"run_{run}.h5") as weights_only:
            assert stored.activations_stored and not weights_only.activations_stored
            assert weights_only.epochs.tolist() == stored.epochs.tolist() == list(range(8))
            for name in stored.layer_names:
                assert stored.weights(name).keys() == weights_only.weights(name).keys() == {"kernel", "bias"}
                for weight, values in stored.weights(name).items():
                    np.testing.assert_allclose(values[:], weights_only.weights(name)[weight][:], rtol=0,
                                               atol=TOLERANCE)
                np.testing.assert_allclose(np.asarray(weights_only.layer(name)), stored.layer(name)[:], rtol=0,
                                           atol=TOLERANCE)
        assert (alone / "activations" / f"run_{run}.h5").stat().st_size < 0.2 * (
            together / "activations" / f"run_{run}.h5").stat().st_size
    assert (alone / "activations.png").read_bytes()[:4] == b"\x89PNG"

    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_RUNS_DIR": str(alone.parent),
                   "DEEP_BOTTLENECK_MONGO_URL": ""}
    done = subprocess.run([python, "-m", "deep_bottleneck.cli.reestimate", "1", "--estimator", "mi_estimator.binning"],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    reestimated = pd.read_csv(alone / "information_measures_binning.csv")
    assert largest_difference(reestimated, measures[measures["estimator"] == "binning"]) < MI_TOLERANCE_BITS


def test_a_model_that_cannot_be_batched_is_trained_one_at_a_time_said_once(tmp_path, short_config):
    config = {**short_config, "model": "models.feedforward_batchnorm", "n_runs": 2, "epochs": 2, "parallel_runs": 1,
              "dataset": "datasets.digits"}
    messages = []
    handler = _ListHandler(messages)
    pipeline.LOGGER.addHandler(handler)
    level = pipeline.LOGGER.level
    pipeline.LOGGER.setLevel(logging.INFO)
    try:
        result = run_experiment(config, tmp_path)
    finally:
        pipeline.LOGGER.removeHandler(handler)
        pipeline.LOGGER.setLevel(level)
    assert sorted(result.measures["run"].unique()) == [0, 1]
    said = [message for message in messages if "one at a time" in message]
    assert len(said) == 1 and "BatchNormalization" in said[0], messages


class _ListHandler(logging.Handler):
    def __init__(self, messages):
        super().__init__(logging.INFO)
        self.messages = messages

    def emit(self, record):
        self.messages.append(record.getMessage())
