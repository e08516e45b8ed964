"""``experiment.py`` as users type it: storage flags, config files, estimator arguments, run names and ids,
and every config mistake stopped before training with one message."""

import json
import os
import subprocess

import pymongo
import pytest

from deep_bottleneck.eval_tools import ExperimentLoader
from tests.conftest import PROJECT_ROOT, free_port, run_script

TINY = ["epochs=2", "architecture=[5,3]"]


def experiment(python, cwd, runs, *arguments, env_updates=None):
    """``python experiment.py ARGUMENTS`` in ``cwd`` with the file store at ``runs``."""
    return run_script(python, "experiment.py", *arguments, cwd=cwd,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs), **(env_updates or {})})


def stored_run(runs, run_id):
    return json.loads((runs / str(run_id) / "run.json").read_text())


def test_mongo_flags_store_the_run_in_both_stores_under_one_id_and_the_config_name(
        python, tmp_path, mongo_server, mongo_db_name):
    config = tmp_path / "tanh_study.json"
    config.write_text(json.dumps({"activation_fn": "tanh", "epochs": 2, "architecture": [5, 3]}))
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "--mongo_url", mongo_server.url, "--mongo_db", mongo_db_name,
                      "with", str(config))
    assert done.returncode == 0, done.stderr
    db = pymongo.MongoClient(mongo_server.url)[mongo_db_name]
    (document,) = db.runs.find()
    assert document["_id"] == 1 and document["status"] == "COMPLETED"
    assert document["experiment"]["name"] == "tanh_study" == stored_run(runs, 1)["experiment"]["name"]
    assert document["config"]["activation_fn"] == "tanh"
    files = {f["filename"].rsplit("/", 1)[-1]: f for f in db.fs.files.find({"filename": {"$regex": "^artifact://"}})}
    assert files["infoplane.png"]["contentType"] == "image/png"
    assert files["information_measures.csv"]["contentType"] == "text/csv"
    assert "Added" not in done.stderr + done.stdout + document["captured_out"]
    assert "content-type" not in (runs / "1" / "cout.txt").read_text()


def test_a_given_name_wins_over_the_config_file_name(python, tmp_path):
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "--name", "my_cohort", "with", "configs/demo.json", *TINY)
    assert done.returncode == 0, done.stderr
    assert stored_run(runs, 1)["experiment"]["name"] == "my_cohort"


def test_file_store_and_mongodb_ids_never_clash(python, tmp_path, mongo_server, mongo_db_name):
    """A file-store-only run, a run in both stores, a fallback run while MongoDB is down, and one more in both."""
    runs = tmp_path / "runs"
    mongo = {"DEEP_BOTTLENECK_MONGO_URL": mongo_server.url, "DEEP_BOTTLENECK_MONGO_DB": mongo_db_name}
    down = {"DEEP_BOTTLENECK_MONGO_URL": f"mongodb://127.0.0.1:{free_port()}/"}
    db = pymongo.MongoClient(mongo_server.url)[mongo_db_name]
    db.runs.insert_one({"_id": 7, "status": "COMPLETED", "note": "a run from another machine"})
    for env, expected_id in [({}, 1), (mongo, 8), (down, 9), (mongo, 10)]:
        done = experiment(python, tmp_path, runs, "with", *TINY, env_updates=env)
        assert done.returncode == 0, done.stderr
        assert stored_run(runs, expected_id)["status"] == "COMPLETED"
    assert sorted(db.runs.distinct("_id")) == [7, 8, 10]
    assert db.runs.count_documents({"status": {"$ne": "COMPLETED"}}) == 0


@pytest.mark.parametrize("form", ["object", "dotted", "config file"])
def test_estimator_arguments_reach_the_estimator(python, tmp_path, form):
    runs = tmp_path / "runs"
    config = tmp_path / "adaptive.json"
    config.write_text(json.dumps({"estimator_args": {"strategy": "adaptive", "n_bins": 4}, "epochs": 2,
                                  "architecture": [5, 3]}))
    arguments = {
        "object": ["with", 'estimator_args={"strategy": "adaptive", "n_bins": 4}', *TINY],
        "dotted": ["with", "estimator_args.strategy=adaptive", "estimator_args.n_bins=4", *TINY],
        "config file": ["with", str(config)],
    }[form]
    done = experiment(python, tmp_path, runs, *arguments)
    assert done.returncode == 0, done.stderr
    assert "Added new config entry" not in done.stderr
    assert json.loads((runs / "1" / "config.json").read_text())["estimator_args"] == {"strategy": "adaptive",
                                                                                       "n_bins": 4}
    measures = (runs / "1" / "information_measures.csv").read_text().splitlines()
    # 4 bins per unit: the 2-unit readout holds at most 4 * 4 distinct rows, so I(X;T) <= 4 bits.
    readout_mi = [float(line.split(",")[3]) for line in measures[1:] if line.split(",")[1] == "2"]
    assert readout_mi and max(readout_mi) <= 4.0


def test_the_local_runner_runs_a_config_with_estimator_arguments(python, tmp_path):
    config = tmp_path / "configs" / "equal_mass.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"estimator_args": {"strategy": "equal_mass", "n_bins": 8}, "epochs": 2,
                                  "architecture": [4]}))
    done = run_script(python, "run_experiments_local.py", "-d", str(config.parent), cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(tmp_path / "runs")})
    assert done.returncode == 0, done.stdout + done.stderr
    assert stored_run(tmp_path / "runs", 1)["status"] == "COMPLETED"


BAD_INPUT = {
    "missing config file": (["with", "configs/nothere.json"], "Config file 'configs/nothere.json' not found"),
    "malformed JSON": (["with", "bad.json"], "bad.json' is not valid JSON: Expecting ',' delimiter at line 1"),
    "not key=value": (["with", "epochs"], "'epochs' after 'with' is neither key=value nor a config file"),
    "unknown key": (["with", "epoch=3"], "Unknown config key 'epoch'. Did you mean 'epochs'?"),
    "colormap": (["with", 'plotters=[["plotter.informationplane", {"colormap": "virdis"}]]'],
                 "no colormap 'virdis'. Did you mean 'viridis'?"),
    "stopping value": (["with", 'callbacks=[["callbacks.early_stopping_manual", {"value": "x"}]]'],
                       "Argument 'value' of the callback plug-in 'callbacks.early_stopping_manual' must be float, "
                       "got 'x'"),
    "monitored metric": (["with", 'callbacks=[["callbacks.early_stopping_manual", {"monitor": "val_acuracy"}]]'],
                         "no metric is named 'val_acuracy'. Did you mean 'val_accuracy'?"),
    "binning strategy": (["with", "estimator_args.strategy=adaptve"], "'adaptve'. Did you mean 'adaptive'?"),
    "estimator argument": (["with", "estimator_args.bins=3"], "Did you mean 'n_bins'?"),
    "mongo flag value": (["--mongo_url", "with", "epochs=2"], "--mongo_url needs a value"),
    "misspelt option": (["--nmae", "x", "with", "epochs=2"], "error: Unknown option --nmae. See experiment.py --help."),
    "misspelt with": (["wth", "epochs=2"], "Unexpected argument 'epochs=2': config updates and files follow 'with'."),
    "config file near a real one": (["with", "configs/dmeo.json"], "Did you mean 'configs/demo.json'?"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_a_user_mistake_stops_before_training_with_one_message(python, tmp_path, case):
    arguments, message = BAD_INPUT[case]
    (tmp_path / "bad.json").write_text('{"epochs": 3 "seed": 1}')
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, *arguments)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not runs.exists() or not any(runs.iterdir())


def test_metrics_of_several_runs_have_a_mean_readable_from_eval_tools(python, tmp_path):
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "with", "n_runs=2", *TINY)
    assert done.returncode == 0, done.stderr
    metrics = ExperimentLoader(runs_dir=runs).find_by_id(1).metrics
    mean = (metrics["run_0.validation.accuracy"] + metrics["run_1.validation.accuracy"]) / 2
    assert list(metrics["validation.accuracy"].index) == [0, 1]
    assert metrics["validation.accuracy"].to_numpy() == pytest.approx(mean.to_numpy(), abs=1e-12)


def test_help_lists_the_storage_flags(python, tmp_path):
    done = experiment(python, tmp_path, tmp_path / "runs", "--help")
    assert done.returncode == 0, done.stderr
    assert "--mongo_url URL" in done.stdout and "--mongo_only" in done.stdout


def test_an_error_during_the_run_is_one_line_and_the_run_is_marked_failed(python, tmp_path):
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "with", "n_runs=2", "callbacks=['tests.nan_on_second_run_callback']",
                      "epochs=3", "architecture=[10,7,5]")
    assert done.returncode == 1
    assert "Run 1, layer 'layer_0': activations are NaN or infinite at epoch 2" in done.stderr
    assert "Traceback" not in done.stderr
    assert stored_run(runs, 1)["status"] == "FAILED"
    measures = (runs / "1" / "information_measures.csv").read_text().splitlines()
    assert len(measures) == 1 + 3 * 4 and all(line.split(",")[2] == "0" for line in measures[1:])


def test_experiment_py_needs_no_working_directory_setup(python, tmp_path):
    """From an unrelated folder, with only the environment a user has (no PYTHONPATH)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, str(PROJECT_ROOT / "experiment.py"), "with", "configs/demo.json", *TINY],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env={**environment, "DEEP_BOTTLENECK_RUNS_DIR": str(tmp_path / "runs")})
    assert done.returncode == 0, done.stderr
    assert stored_run(tmp_path / "runs", 1)["experiment"]["name"] == "demo"


def test_a_repetition_whose_process_dies_is_reported_in_one_line(python, tmp_path):
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "with", "n_runs=2", "parallel_runs=2",
                      "callbacks=['tests.crash_second_run_callback']", *TINY)
    assert done.returncode == 1
    assert "A worker process ended abruptly before repetition" in done.stderr
    assert "Traceback" not in done.stderr
    assert stored_run(runs, 1)["status"] == "FAILED"
