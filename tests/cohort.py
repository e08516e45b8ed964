"""A cohort of four real runs, stored in MongoDB and in the file store, shared by the eval_tools and store tests
(the fixture is registered in tests/conftest.py)."""

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import PROJECT_ROOT, run_script

DB = "cohort"
#: The database of ``cohort_with_a_failure``.
WITH_FAILURE = "cohort_with_a_failure"
BASE = {"epochs": 2, "architecture": [6, 4], "n_runs": 1, "seed": 5}
COHORT = {
    "tanh_adam.json": {"activation_fn": "tanh", "optimizer": "adam"},
    "relu_adam.json": {"activation_fn": "relu", "optimizer": "adam"},
    "tanh_sgd.json": {"activation_fn": "tanh", "optimizer": "sgd"},
    # The callback gives queries a list-valued key to index (callbacks.0.0); an accuracy of 2 is never
    # reached, so it does not stop training.
    "zero_mean_movie.json": {"activation_fn": "tanh", "optimizer": "adam", "dataset": "datasets.harmonics_zero_mean",
                             "plotters": [["plotter.informationplane", {}],
                                          ["tests.eval_tools.movie_sized_plotter", {}]],
                             "callbacks": [["callbacks.early_stopping_manual",
                                            {"monitor": "val_accuracy", "value": 2.0}]]},
}


@pytest.fixture(scope="session")
def cohort(mongo_server, python, tmp_path_factory):
    """Four experiments run in parallel, each stored in MongoDB and in the file store."""
    folder = tmp_path_factory.mktemp("cohort")
    for name, config in COHORT.items():
        (folder / "configs" / name).parent.mkdir(exist_ok=True)
        (folder / "configs" / name).write_text(json.dumps({**BASE, **config}))
    done = run_script(python, "run_experiments_local.py", "-d", str(folder / "configs"), "-j", "4", cwd=folder,
                      env_updates={"DEEP_BOTTLENECK_MONGO_URL": mongo_server.url, "DEEP_BOTTLENECK_MONGO_DB": DB,
                                   "DEEP_BOTTLENECK_RUNS_DIR": str(folder / "runs")})
    assert done.returncode == 0, done.stdout + done.stderr
    return folder / "runs"


@pytest.fixture(scope="session")
def cohort_with_a_failure(cohort, mongo_server, python, tmp_path_factory):
    """The cohort's file store and a run that failed on the harmonics data (run 5: its second repetition's process
    died, so it has the measures of the first and neither plots nor compression.csv), all imported into the
    MongoDB database ``WITH_FAILURE``."""
    folder = tmp_path_factory.mktemp("with_failure")
    shutil.copytree(cohort, folder / "runs")
    (folder / "crash.json").write_text(json.dumps({**BASE, "n_runs": 2, "callbacks": [
        ["tests.crash_second_run_callback", {}]]}))
    failed = run_script(python, "experiment.py", "with", str(folder / "crash.json"), cwd=folder,
                        env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(folder / "runs")})
    assert failed.returncode != 0
    imported = subprocess.run([python, "-m", "deep_bottleneck.cli.mongo_import", "--runs-dir", str(folder / "runs"),
                               "--mongo-url", mongo_server.url, "--mongo-db", WITH_FAILURE], cwd=folder,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True,
                              timeout=600)
    assert imported.returncode == 0, imported.stderr
    assert "5 imported" in imported.stdout
    return folder / "runs"
