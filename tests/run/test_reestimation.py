"""``python -m deep_bottleneck.cli.reestimate``: other estimators on a stored run, without training it again."""

import hashlib
import json
import os
import re
import subprocess

import pandas as pd
import pymongo
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.eval_tools import ExperimentLoader
from deep_bottleneck.run.estimation import estimate_activation_file
from tests.conftest import PROJECT_ROOT, run_script

TINY = ["epochs=3", "architecture=[6,4]", "n_runs=2"]


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def reestimate(python, tmp_path, runs, *arguments, env_updates=None):
    """``python -m deep_bottleneck.cli.reestimate ARGUMENTS`` in ``tmp_path``."""
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_RUNS_DIR": str(runs),
                   **(env_updates or {})}
    return subprocess.run([python, "-m", "deep_bottleneck.cli.reestimate", *arguments], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def stored_run(python, tmp_path, mongo_server, mongo_db_name):
    runs = tmp_path / "runs"
    done = run_script(python, "experiment.py", "with", *TINY, cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs),
                                   "DEEP_BOTTLENECK_MONGO_URL": mongo_server.url,
                                   "DEEP_BOTTLENECK_MONGO_DB": mongo_db_name})
    assert done.returncode == 0, done.stderr
    return runs


def test_new_estimators_are_added_to_both_stores_and_nothing_else_changes(
        python, tmp_path, stored_run, mongo_server, mongo_db_name):
    runs = stored_run
    before = digest(runs / "1")
    mongo = {"DEEP_BOTTLENECK_MONGO_URL": mongo_server.url, "DEEP_BOTTLENECK_MONGO_DB": mongo_db_name}
    done = reestimate(python, tmp_path, runs, "1", "--estimator", "mi_estimator.upper:discretization_range=0.01",
                      "--estimator", "mi_estimator.lower:discretization_range=0.01", env_updates=mongo)
    assert done.returncode == 0, done.stderr
    assert "and MongoDB run 1" in done.stdout
    # Progress lines, as standard output is not a terminal.
    assert "run_1.h5: MI estimated for (snapshot, layer) 9/9" in done.stdout
    after = digest(runs / "1")
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == {"run.json"}
    added = {"information_measures_upper_dr0.01-lower_dr0.01.csv", "infoplane_upper_dr0.01.png",
             "infoplane_lower_dr0.01.png"}
    assert set(after) - set(before) == added
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in added), "a name needs quoting in a shell"

    measures = pd.read_csv(runs / "1" / "information_measures_upper_dr0.01-lower_dr0.01.csv")
    for bound in ("upper", "lower"):
        for run in (0, 1):
            estimator = plugins.load_plugin("estimator", f"mi_estimator.{bound}", discretization_range=0.01)
            alone = estimate_activation_file(estimator, runs / "1" / "activations" / f"run_{run}.h5", run)
            ours = measures[(measures["estimator"] == f"{bound}_dr0.01") & (measures["run"] == run)]
            assert ours[["MI_XM", "MI_YM"]].to_numpy() == pytest.approx(alone[["MI_XM", "MI_YM"]].to_numpy(),
                                                                          abs=1e-9)

    file_store = ExperimentLoader(runs_dir=runs).find_by_id(1)
    in_mongo = ExperimentLoader(mongo_uri=mongo_server.url, db_name=mongo_db_name).find_by_id(1)
    for experiment in (file_store, in_mongo):
        assert added <= set(experiment.artifacts)
        assert experiment.artifacts["infoplane_upper_dr0.01"].content[:8] == b"\x89PNG\r\n\x1a\n"
        assert experiment.artifacts["information_measures"].content == (runs / "1" / "information_measures.csv"
                                                                        ).read_bytes()
    db = pymongo.MongoClient(mongo_server.url)[mongo_db_name]
    stored = db.fs.files.find_one({"filename": "artifact://runs/1/infoplane_lower_dr0.01.png"})
    assert stored["contentType"] == "image/png"


def test_a_second_reestimation_gets_new_names(python, tmp_path, stored_run):
    for _ in range(2):
        done = reestimate(python, tmp_path, stored_run, str(stored_run / "1"),
                          "--estimator", "mi_estimator.binning", "strategy=adaptive", "n_bins=8")
        assert done.returncode == 0, done.stderr
    artifacts = json.loads((stored_run / "1" / "run.json").read_text())["artifacts"]
    assert artifacts[-4:] == ["information_measures_binning_nb8_s-adaptive.csv", "infoplane_binning_nb8_s-adaptive.png",
                              "information_measures_binning_nb8_s-adaptive_2.csv",
                              "infoplane_binning_nb8_s-adaptive_2.png"]


@pytest.mark.parametrize("arguments, message", [
    (["1", "--estimator", "mi_estimator.uper"], "Did you mean 'mi_estimator.upper'"),
    (["1", "--estimator", "mi_estimator.binning", "strategy=adaptve"], "Did you mean 'adaptive'"),
    (["1", "--estimator", "mi_estimator.upper", "0.001"], "must be key=value"),
    (["9", "--estimator", "mi_estimator.upper"], "No run '9'"),
    (["1", "--estimator", "mi_estimator.upper", "--estimator", "mi_estimator.lower", "discretization_range=0.01"],
     "--estimator mi_estimator.upper:discretization_range=0.01 --estimator mi_estimator.lower:discretization_range"),
    (["1", "--estimator", "mi_estimator.upper:discretisation_range=0.01"], "discretisation_range"),
])
def test_a_mistake_changes_nothing(python, tmp_path, stored_run, arguments, message):
    before = digest(stored_run)
    done = reestimate(python, tmp_path, stored_run, *arguments)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert digest(stored_run) == before
