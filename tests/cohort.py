"""A cohort of four real runs, stored in MongoDB and in the file store, shared by the eval_tools and store tests
(the fixture is registered in tests/conftest.py)."""

import json

import pytest

from tests.conftest import run_script

DB = "cohort"
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


