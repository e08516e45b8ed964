"""Runs written to a real MongoDB server (SecantusDB) and to the file store, read back with eval_tools."""

import datetime
import json
import os
import subprocess
import time

import gridfs
import pymongo
import pytest

from deep_bottleneck.eval_tools import (CSVArtifact, ExperimentLoader, MP4Artifact, PNGArtifact,
                                        find_differing_config_keys, format_config)
from deep_bottleneck.store.mongo_runs import Imported, MongoImporter
from deep_bottleneck.store.local_server import LocalMongoServer
from deep_bottleneck.snapshot_schedule import snapshot_epochs
from tests.conftest import PROJECT_ROOT, free_port, run_script
from tests.cohort import DB
from tests.eval_tools.movie_sized_plotter import SIZE

@pytest.fixture(params=["mongo", "file"])
def loader(request, cohort, mongo_server):
    if request.param == "mongo":
        return ExperimentLoader(mongo_uri=mongo_server.url, db_name=DB)
    return ExperimentLoader(runs_dir=cohort)


def test_parallel_runs_are_all_in_mongodb_with_metrics_and_artifacts(cohort, mongo_server):
    db = pymongo.MongoClient(mongo_server.url)[DB]
    runs = list(db.runs.find())
    assert sorted(run["_id"] for run in runs) == [1, 2, 3, 4]
    assert all(run["status"] == "COMPLETED" and run["heartbeat"] for run in runs)
    for run in runs:
        metrics = list(db.metrics.find({"run_id": run["_id"]}))
        assert {m["name"] for m in metrics} == {"training.loss", "training.accuracy", "validation.loss",
                                                "validation.accuracy"}
        assert all(m["steps"] == [0, 1] for m in metrics)
        assert {link["name"] for link in run["info"]["metrics"]} == {m["name"] for m in metrics}
        assert "infoplane.png" in [a["name"] for a in run["artifacts"]]
        assert (cohort / str(run["_id"]) / "run.json").exists()
        assert not any(a["name"].endswith(".h5") for a in run["artifacts"])


def test_find_by_id_and_ids(loader):
    experiment = loader.find_by_id(2)
    assert experiment.id == 2 and experiment.status == "COMPLETED"
    assert [e.id for e in loader.find_by_ids([3, 1, 99])] == [3, 1]
    with pytest.raises(KeyError, match="No experiment with id 99"):
        loader.find_by_id(99)


def test_find_by_name_and_config(loader):
    assert len(loader.find_by_name("adam")) == 2
    assert loader.find_by_name("^nothing") == []
    assert len(loader.find_by_config_key("activation_fn", "relu")) == 1
    assert len(loader.find_by_config_key("optimizer", "^(sgd|adam)$")) == 4
    assert len(loader.find_by_config_key("dataset", "datasets.harmonics")) == 4
    assert len(loader.find_by_config_key("dataset", "datasets.harmonics", exact=True)) == 3
    assert len(loader.find_by_config_key("architecture", [6, 4], exact=True)) == 4
    assert len(loader.find_by_config_key("epochs", 2, exact=True)) == 4


def test_metrics_are_series_by_epoch_and_artifacts_load_lazily(loader):
    experiment = loader.find_by_config_key("activation_fn", "relu")[0]
    accuracy = experiment.metrics["validation.accuracy"]
    assert accuracy.index.name == "epoch" and list(accuracy.index) == [0, 1] and accuracy.between(0, 1).all()
    assert experiment.config["activation_fn"] == "relu"
    plot = experiment.artifacts["infoplane"]
    assert isinstance(plot, PNGArtifact) and plot._content is None
    assert plot.img.ndim == 3
    measures = experiment.artifacts["information_measures.csv"]
    assert isinstance(measures, CSVArtifact)
    assert list(measures.show().columns) == ["epoch", "layer", "run", "MI_XM", "MI_YM", "estimator"]


def test_cohort_comparison_helpers(loader):
    experiments = loader.find_by_ids([1, 2, 3, 4])
    assert find_differing_config_keys(experiments) == {"activation_fn", "optimizer", "dataset", "plotters", "callbacks"}
    text = format_config(experiments[0].config, "optimizer", "activation_fn")
    assert text == f"activation_fn: {experiments[0].config['activation_fn']}, optimizer: {experiments[0].config['optimizer']}"


def test_movie_sized_artifact_round_trips_byte_for_byte(loader, cohort, tmp_path):
    experiment = loader.find_by_config_key("dataset", "zero_mean")[0]
    movie = experiment.artifacts["infoplane_movie"]
    assert isinstance(movie, MP4Artifact)
    original = (cohort / str(experiment.id) / "infoplane_movie.mp4").read_bytes()
    assert len(original) == SIZE
    assert movie.content == original
    assert movie.save(tmp_path).read_bytes() == original


def test_import_of_file_store_runs_twice_gives_no_duplicates(mongo_server, mongo_db_name, python, tmp_path):
    """Also when the two runs started in the same millisecond (a runner starts its experiments at once), which is
    all of a start time MongoDB keeps."""
    runs_dir = tmp_path / "offline_runs"
    for seed in (1, 2):
        done = run_script(python, "experiment.py", "with", "epochs=2", "architecture=[4]", f"seed={seed}",
                          cwd=tmp_path, env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs_dir),
                                                     "DEEP_BOTTLENECK_MONGO_URL": ""})
        assert done.returncode == 0, done.stderr
    first_start = json.loads((runs_dir / "1" / "run.json").read_text())["start_time"]
    second = json.loads((runs_dir / "2" / "run.json").read_text())
    started = datetime.datetime.fromisoformat(first_start).replace(microsecond=500)
    second["start_time"] = (started + datetime.timedelta(microseconds=69)).isoformat()
    (runs_dir / "2" / "run.json").write_text(json.dumps(second))
    first_run = json.loads((runs_dir / "1" / "run.json").read_text())
    (runs_dir / "1" / "run.json").write_text(json.dumps({**first_run, "start_time": started.isoformat()}))
    db = pymongo.MongoClient(mongo_server.url)[mongo_db_name]
    first = run_script(python, "deep_bottleneck/cli/mongo_import.py", "--runs-dir", str(runs_dir),
                       "--mongo-url", mongo_server.url, "--mongo-db", mongo_db_name, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 imported, 0 completed, 0 already in MongoDB" in first.stdout
    second = MongoImporter(mongo_server.url, mongo_db_name).import_store(runs_dir)
    assert second == {str(runs_dir / "1"): Imported("skipped", 1), str(runs_dir / "2"): Imported("skipped", 2)}
    assert db.runs.count_documents({}) == 2
    imported = ExperimentLoader(mongo_uri=mongo_server.url, db_name=mongo_db_name).find_by_config_key(
        "seed", 2, exact=True)
    assert len(imported) == 1
    assert list(imported[0].metrics["training.loss"].index) == [0, 1]
    assert imported[0].artifacts["infoplane"].content == (runs_dir / "2" / "infoplane.png").read_bytes()
    document = db.runs.find_one({"_id": imported[0].id})
    assert "Information measures:" in document["captured_out"]
    assert document["config"]["seed"] == 2 and document["status"] == "COMPLETED"


def test_server_killed_mid_run_keeps_the_results_on_disk_and_import_completes_mongodb(python, tmp_path):
    data_dir, runs_dir = tmp_path / "data", tmp_path / "runs"
    server = LocalMongoServer(data_dir, free_port()).start()
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_MONGO_URL": server.url,
                   "DEEP_BOTTLENECK_RUNS_DIR": str(runs_dir)}
    process = subprocess.Popen([python, str(PROJECT_ROOT / "experiment.py"), "with", "epochs=1200",
                                "architecture=[10,7,5,4,3]", "activation_fn=tanh"], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        runs = pymongo.MongoClient(server.url)["deep_bottleneck"].runs
        deadline = time.monotonic() + 120
        while runs.count_documents({"status": "RUNNING"}) == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert runs.count_documents({"status": "RUNNING"}) == 1
        # Make what MongoDB holds of the run durable, so the kill leaves it a partial run for certain
        # (without this, kill -9 right after the insert may lose it and the import sees a new run).
        runs.database.client.admin.command("fsync")
        server.kill()
        _, stderr = process.communicate(timeout=600)
    finally:
        process.kill()
        server.stop()
    assert process.returncode == 0, stderr
    run = json.loads((runs_dir / "1" / "run.json").read_text())
    assert run["status"] == "COMPLETED"
    assert sorted(run["artifacts"]) == ["compression.csv", "infoplane.png", "information_measures.csv"]
    metrics = json.loads((runs_dir / "1" / "metrics.json").read_text())
    assert len(metrics["validation.accuracy"]["values"]) == 1200
    assert (runs_dir / "1" / "information_measures.csv").read_text().count("\n") == 1 + 6 * len(snapshot_epochs("stepped", 1200))

    with LocalMongoServer(data_dir, free_port()) as restarted:
        importer = MongoImporter(restarted.url, "deep_bottleneck")
        assert importer.import_store(runs_dir) == {str(runs_dir / "1"): Imported("completed", 1)}
        assert importer.import_store(runs_dir) == {str(runs_dir / "1"): Imported("skipped", 1)}
        db = pymongo.MongoClient(restarted.url)["deep_bottleneck"]
        assert db.runs.count_documents({}) == 1
        stored = db.runs.find_one({"_id": 1})
        assert stored["status"] == "COMPLETED"
        assert len(db.metrics.find_one({"run_id": 1, "name": "validation.accuracy"})["values"]) == 1200
        plot = next(a for a in stored["artifacts"] if a["name"] == "infoplane.png")
        assert gridfs.GridFS(db).get(plot["file_id"]).read() == (runs_dir / "1" / "infoplane.png").read_bytes()
