"""A run watched while it trains: a 3-repetition run (worker processes) read from MongoDB before its first
repetition ends, its progress lines, and what it records of where it came from (sources, package versions, the
estimators it used)."""

import json
import os
import subprocess
import time
from importlib import metadata

import pymongo
import pytest

from deep_bottleneck.config import validate_config
from tests.conftest import PROJECT_ROOT

#: Longest wait for the run's metrics to reach MongoDB (Sacred sends them at its heartbeat, every 10 s); a bound for
#: a failing test, not a measurement.
LONGEST_WAIT_SECONDS = 600
CONFIG = {
    "epochs": 4, "architecture": [10, 7, 5, 4, 3], "activation_fn": "tanh", "n_runs": 3, "parallel_runs": 2,
    "seed": 1, "calculate_mi_for": "test",
    "estimators": ["mi_estimator.binning", ["mi_estimator.upper", {"discretization_range": 0.01}]],
}


def _wait_for_live_metrics(db, process):
    """The run's document and metrics once a repetition's metric is in MongoDB."""
    deadline = time.monotonic() + LONGEST_WAIT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the run ended before its metrics were seen: {process.communicate()}"
        run = db.runs.find_one()
        metrics = list(db.metrics.find({"run_id": run["_id"]})) if run else []
        if any(metric["name"].startswith("run_") and metric["values"] for metric in metrics):
            return run, metrics
        time.sleep(0.2)
    pytest.fail("no metric reached MongoDB while the run was held")


@pytest.fixture(scope="module")
def live_run(python, mongo_server, tmp_path_factory):
    """Start the run with every repetition held at the end of epoch 1; look at MongoDB and the run folder until a
    metric arrives; release it; let it end."""
    folder = tmp_path_factory.mktemp("live")
    runs, release = folder / "runs", folder / "release"
    db_name = "test_live_run"
    config = {**CONFIG, "callbacks": [["tests.release_gate_callback", {"release_file": str(release)}]]}
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_RUNS_DIR": str(runs)}
    command = [python, str(PROJECT_ROOT / "experiment.py"), "--mongo_url", mongo_server.url, "--mongo-db", db_name,
               "with", *[f"{key}={json.dumps(value)}" for key, value in config.items()]]
    process = subprocess.Popen(command, cwd=folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    client = pymongo.MongoClient(mongo_server.url)
    try:
        db = client[db_name]
        run, metrics = _wait_for_live_metrics(db, process)
        run_folder = runs / str(run["_id"])
        seen = {
            "mongo_status": run["status"],
            "file_status": json.loads((run_folder / "run.json").read_text())["status"],
            "metric_names": {metric["name"] for metric in metrics if metric["values"]},
            "activation_files": sorted(path.name for path in (run_folder / "activations").glob("*.h5")),
            "measures_written": (run_folder / "information_measures.csv").exists(),
        }
        release.touch()
        stdout, stderr = process.communicate(timeout=LONGEST_WAIT_SECONDS)
        assert process.returncode == 0, stderr
        finished = db.runs.find_one({"_id": run["_id"]})
        final_metrics = {metric["name"]: metric for metric in db.metrics.find({"run_id": run["_id"]})}
        found_by_estimator = [document["_id"] for document in db.runs.find({"config.estimator": "mi_estimator.upper"})]
        yield {"seen": seen, "folder": run_folder, "stdout": stdout, "mongo_run": finished,
               "mongo_metrics": final_metrics, "found_by_estimator": found_by_estimator}
    finally:
        release.touch()
        if process.poll() is None:
            process.kill()
            process.communicate()
        client.close()


def test_metrics_of_every_repetition_reach_mongodb_before_the_first_repetition_ends(live_run):
    seen = live_run["seen"]
    assert seen["mongo_status"] == "RUNNING" and seen["file_status"] == "RUNNING"
    assert not seen["measures_written"] and "run_2.h5" not in seen["activation_files"]
    assert any(name.startswith(("run_0.", "run_1.")) for name in seen["metric_names"])
    # The mean of an epoch is logged once every repetition reached it; the third has not started.
    assert "training.loss" not in seen["metric_names"]

    final = live_run["mongo_metrics"]
    for name in ("run_0.training.loss", "run_1.validation.accuracy", "run_2.training.accuracy", "training.loss"):
        assert final[name]["steps"] == [0, 1, 2, 3], name
    mean = [sum(final[f"run_{k}.training.loss"]["values"][epoch] for k in range(3)) / 3 for epoch in range(4)]
    assert final["training.loss"]["values"] == pytest.approx(mean, rel=1e-12)


def test_progress_lines_of_every_repetition_are_in_the_captured_output(live_run):
    captured = (live_run["folder"] / "cout.txt").read_text()
    for run in (1, 2, 3):
        assert f"run {run}/3: epoch 1/4, loss " in captured
        assert f"run {run}/3: epoch 4/4, loss " in captured
        assert f"run {run}/3: done; MI of 4 of 4 snapshots estimated" in captured
    assert "validation accuracy" in captured and "snapshots estimated" in captured
    assert "run 1/3: epoch 4/4" in live_run["stdout"]
    assert "run 3/3: epoch 4/4, loss " in live_run["mongo_run"]["captured_out"]


def test_sources_and_package_versions_are_recorded_in_both_stores(live_run):
    experiment = json.loads((live_run["folder"] / "run.json").read_text())["experiment"]
    sources = [path for path, _ in experiment["sources"]]
    for plugin in ("tests/release_gate_callback.py", "deep_bottleneck/mi_estimator/upper.py",
                   "deep_bottleneck/mi_estimator/binning.py", "deep_bottleneck/mi_estimator/_kde.py",
                   "deep_bottleneck/datasets/harmonics.py", "deep_bottleneck/models/feedforward.py",
                   "deep_bottleneck/plotter/informationplane.py", "deep_bottleneck/run/pipeline.py"):
        assert plugin in sources, plugin
    for package in ("keras", "jax", "jaxlib", "numpy", "scipy", "pandas", "h5py", "numba", "matplotlib", "sacred"):
        assert f"{package}=={metadata.version(package)}" in experiment["dependencies"], package
    stored = live_run["mongo_run"]["experiment"]
    assert sorted(path for path, _ in stored["sources"]) == sorted(sources)
    assert stored["dependencies"] == experiment["dependencies"]


def test_the_stored_config_names_the_estimators_for_columns_and_queries(live_run):
    config = json.loads((live_run["folder"] / "config.json").read_text())
    assert config["estimator"] == ["mi_estimator.binning", "mi_estimator.upper"]
    assert config["estimators"] == [["mi_estimator.binning", {}], ["mi_estimator.upper", {"discretization_range": 0.01}]]
    assert live_run["found_by_estimator"] == [live_run["mongo_run"]["_id"]]
    assert live_run["mongo_run"]["config"]["estimator"] == config["estimator"]
    # The stored config is a valid config of the same experiment.
    stored = {key: value for key, value in config.items() if key != "callbacks"}
    assert validate_config(stored) == validate_config({key: value for key, value in CONFIG.items()})
    measures = (live_run["folder"] / "information_measures.csv").read_text()
    assert ",binning\n" in measures and ",upper_dr0.01\n" in measures
    assert (live_run["folder"] / "infoplane_upper_dr0.01.png").is_file()
