"""The measures carry each estimator's uncertainty as extra columns, through ``experiment.py``."""

import numpy as np
import pandas as pd

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.mi_estimator import binning
from tests.conftest import run_script

ESTIMATORS = ('estimators=[["mi_estimator.binning", {"discretization_range": 0.07, "error_bars": True}], '
              '"mi_estimator.quantised", ["mi_estimator.upper", {"discretization_range": 0.01}], '
              '["mi_estimator.lower", {"discretization_range": 0.01}]]')


def test_miller_madow_kde_gap_and_exact_columns_are_written_beside_the_estimates(python, tmp_path):
    runs = tmp_path / "runs"
    done = run_script(python, "experiment.py", "with", "epochs=2", "architecture=[6,3]", "activation_fn=tanh",
                      ESTIMATORS, cwd=tmp_path, env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    assert done.returncode == 0, done.stderr
    measures = pd.read_csv(runs / "1" / "information_measures.csv")
    assert list(measures.columns) == ["epoch", "layer", "run", "MI_XM", "MI_YM", "estimator", "MI_XM_miller_madow",
                                      "MI_YM_miller_madow", "exact", "MI_XM_kde_gap", "MI_YM_kde_gap"]
    # Labels carry the arguments that differ from the plug-in's defaults (binning_eb-true, upper_dr0.01, ...).
    by = {label.split("_")[0]: rows.set_index(["epoch", "layer"]) for label, rows in measures.groupby("estimator")}
    assert by["quantised"]["exact"].all() and not by["binning"]["exact"].any() and not by["upper"]["exact"].any()
    assert by["binning"]["MI_XM_kde_gap"].isna().all() and by["upper"]["MI_XM_miller_madow"].isna().all()
    np.testing.assert_allclose(by["upper"]["MI_XM_kde_gap"], by["upper"]["MI_XM"] - by["lower"]["MI_XM"], atol=1e-12)
    np.testing.assert_allclose(by["lower"]["MI_YM_kde_gap"], by["upper"]["MI_YM"] - by["lower"]["MI_YM"], atol=1e-12)
    with ActivationFile(runs / "1" / "activations" / "run_0.h5") as store:
        layer = store.layer("layer_0")[:]
        expected = binning.load(0.07, error_bars=True).estimate_with_errors(layer, store.labels)
        epochs = store.epochs
    rows = by["binning"].loc[[(int(epoch), 0) for epoch in epochs]]
    np.testing.assert_allclose(rows["MI_XM_miller_madow"], expected["MI_XM_miller_madow"], atol=1e-12)
    assert (rows["MI_XM_miller_madow"] > rows["MI_XM"]).all()


def test_without_error_bars_the_measures_keep_their_six_columns(python, tmp_path):
    runs = tmp_path / "runs"
    done = run_script(python, "experiment.py", "with", "epochs=1", "architecture=[4]",
                      cwd=tmp_path, env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    assert done.returncode == 0, done.stderr
    assert list(pd.read_csv(runs / "1" / "information_measures.csv").columns) == [
        "epoch", "layer", "run", "MI_XM", "MI_YM", "estimator"]
