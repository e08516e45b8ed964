"""``experiment.py`` as a researcher runs it: a real Sacred run in the file store."""

import json
import os
import subprocess

QUICK = ["epochs=3", "architecture=[10,7,5,4,3]", "activation_fn=tanh", "seed=1"]


def run_experiment_script(project_root, python, cwd, runs_dir, *arguments, backend="jax"):
    environment = {**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(runs_dir), "KERAS_BACKEND": backend}
    return subprocess.run(
        [python, str(project_root / "experiment.py"), "with", *arguments],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=600,
    )


def test_run_from_another_folder_is_stored_with_metrics_and_artifacts(project_root, python, tmp_path):
    runs = tmp_path / "runs"
    done = run_experiment_script(project_root, python, tmp_path, runs, "configs/demo.json", *QUICK)
    assert done.returncode == 0, done.stderr
    run_dir = runs / "1"
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "COMPLETED"
    assert sorted(run["artifacts"]) == ["compression.csv", "infoplane.png", "information_measures.csv"]
    config = json.loads((run_dir / "config.json").read_text())
    assert config["epochs"] == 3 and config["activation_fn"] == "tanh"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["training.accuracy"]["steps"] == [0, 1, 2]
    assert len(metrics["validation.loss"]["values"]) == 3
    assert (run_dir / "activations" / "run_0.h5").stat().st_size > 0
    assert f"Plot: {run_dir / 'infoplane.png'}" in done.stdout and (run_dir / "infoplane.png").exists()
    assert run["result"]["measures"] == str(run_dir / "information_measures.csv")
    assert run["result"]["plots"] == [str(run_dir / "infoplane.png")]
    assert "\r" not in (run_dir / "cout.txt").read_text()
    stored = [path for path in run_dir.rglob("*") if path.is_file()]
    contents = [path.read_bytes() for path in stored]
    assert not [path for path, content in zip(stored, contents) if contents.count(content) > 1 and content], \
        "an output is stored twice in the run folder"


def test_a_study_can_store_each_repetitions_metrics_at_its_snapshot_epochs_only(project_root, python, tmp_path):
    from deep_bottleneck.snapshot_schedule import snapshot_epochs

    runs = tmp_path / "runs"
    done = run_experiment_script(project_root, python, tmp_path, runs, "epochs=20", "architecture=[4]", "n_runs=2",
                                 "snapshot_schedule=log", "n_log_snapshots=4", "repetition_metrics=snapshot_epochs")
    assert done.returncode == 0, done.stderr
    metrics = json.loads((runs / "1" / "metrics.json").read_text())
    recorded = sorted({*snapshot_epochs("log", 20, 4).tolist(), 19})
    assert len(recorded) < 20
    for name in ("training.loss", "training.accuracy", "validation.loss", "validation.accuracy"):
        assert metrics[f"run_0.{name}"]["steps"] == metrics[f"run_1.{name}"]["steps"] == recorded
        assert metrics[name]["steps"] == list(range(20))
        mean_at = dict(zip(metrics[name]["steps"], metrics[name]["values"]))
        for epoch, first, second in zip(recorded, metrics[f"run_0.{name}"]["values"],
                                        metrics[f"run_1.{name}"]["values"]):
            assert mean_at[epoch] == (first + second) / 2


def test_unknown_key_is_rejected_before_a_run_starts(project_root, python, tmp_path):
    runs = tmp_path / "runs"
    done = run_experiment_script(project_root, python, tmp_path, runs, "epoch=3")
    assert done.returncode != 0
    assert "Unknown config key 'epoch'. Did you mean 'epochs'?" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (runs / "1").exists()


def test_unknown_plugin_in_a_config_file_is_rejected(project_root, python, tmp_path):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"estimator": "mi_estimator.binnin"}))
    done = run_experiment_script(project_root, python, tmp_path, tmp_path / "runs", str(config))
    assert done.returncode != 0
    assert "Did you mean 'mi_estimator.binning'?" in done.stderr


def test_old_config_with_regularization_runs_with_a_warning(project_root, python, tmp_path):
    config = tmp_path / "old.json"
    config.write_text(json.dumps({"regularization": False, "epochs": 2, "architecture": [4]}))
    done = run_experiment_script(project_root, python, tmp_path, tmp_path / "runs", str(config))
    assert done.returncode == 0, done.stderr
    assert "'regularization' is ignored" in done.stderr


def test_tensorflow_backend_runs_a_short_experiment(project_root, python, tmp_path):
    runs = tmp_path / "runs"
    done = run_experiment_script(project_root, python, tmp_path, runs, *QUICK, backend="tensorflow")
    assert done.returncode == 0, done.stderr
    metrics = json.loads((runs / "1" / "metrics.json").read_text())
    assert len(metrics["training.loss"]["values"]) == 3
    assert (runs / "1" / "information_measures.csv").read_text().count("\n") == 1 + 3 * 6


def test_unreachable_mongodb_falls_back_to_the_file_store(project_root, python, tmp_path):
    from tests.conftest import free_port

    url = f"mongodb://user:hunter2@127.0.0.1:{free_port()}/"
    runs = tmp_path / "runs"
    done = subprocess.run(
        [python, str(project_root / "experiment.py"), "--mongo_url", url, "with", "epochs=2", "architecture=[4]"],
        cwd=tmp_path, env={**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(runs)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "is unreachable" in done.stderr and "file store only" in done.stderr
    assert json.loads((runs / "1" / "run.json").read_text())["status"] == "COMPLETED"
    assert "hunter2" not in (runs / "1" / "run.json").read_text() + done.stderr + done.stdout


def test_required_mongodb_that_is_unreachable_stops_before_training(project_root, python, tmp_path):
    from tests.conftest import free_port

    runs = tmp_path / "runs"
    done = subprocess.run(
        [python, str(project_root / "experiment.py"), "--mongo_only", "with", "epochs=2"], cwd=tmp_path,
        env={**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(runs),
             "DEEP_BOTTLENECK_MONGO_URL": f"mongodb://127.0.0.1:{free_port()}/"},
        capture_output=True, text=True)
    assert done.returncode != 0
    assert "is unreachable" in done.stderr and "Nothing was run" in done.stderr
    assert not (runs / "1").exists()
