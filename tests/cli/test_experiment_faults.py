"""``experiment.py`` when something happens to the run: a full disk, a kill, a damaged file."""

import json
import os
import subprocess
import time

import pymongo

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.eval_tools import ExperimentLoader
from deep_bottleneck.store.run_folder import RunFolder
from tests.cli.test_experiment import experiment
from tests.conftest import PROJECT_ROOT
from tests.run.test_reestimation import reestimate
from tests.processes import descendants, wait_until_ended
from tests.small_disk import small_disk

SMALL = ["architecture=[6,4]"]


def test_a_full_disk_ends_the_run_in_one_line_and_keeps_its_records_readable(python, tmp_path):
    with small_disk(tmp_path / "disk", "2m") as disk:
        runs = disk / "runs"
        done = experiment(python, tmp_path, runs, "with", "epochs=20", *SMALL)
        assert done.returncode == 1
        activations = runs / "1" / "activations" / "run_0.h5"
        assert f"Cannot write {activations}: No space left on device" in done.stderr
        assert "Traceback" not in done.stderr
        run = json.loads((runs / "1" / "run.json").read_text())
        assert run["status"] == "FAILED"
        json.loads((runs / "1" / "metrics.json").read_text())
        with ActivationFile(activations) as stored:
            assert 1 <= len(stored.epochs) < 20
            assert stored.layer(stored.layer_names[0]).shape[0] == len(stored.epochs)


def wait_for(condition, process, seconds=400):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def recorded_snapshots(path):
    """Snapshots in an activation file being written (0 while it cannot be read)."""
    try:
        with ActivationFile(path) as stored:
            return len(stored.epochs)
    except Exception:
        return 0


def start_experiment(python, cwd, runs, *arguments):
    return subprocess.Popen([python, str(PROJECT_ROOT / "experiment.py"), *arguments], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_RUNS_DIR": str(runs)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_kill_9_of_a_two_worker_run_leaves_no_process_of_it(python, tmp_path):
    runs = tmp_path / "runs"
    parent = start_experiment(python, tmp_path, runs, "with", "n_runs=2", "parallel_runs=2", "epochs=100000",
                              *SMALL)
    folder = RunFolder(runs / "1")
    wait_for(lambda: all(folder.activation_file(run).exists() for run in (0, 1)), parent)
    workers = descendants(parent.pid)
    assert len(workers) >= 2

    parent.kill()
    parent.wait()

    assert wait_until_ended(workers, 5) == set()


def test_a_killed_run_is_recognised_dead_marked_in_both_stores_and_its_snapshots_reestimated(
        python, tmp_path, mongo_server, mongo_db_name):
    runs = tmp_path / "runs"
    process = start_experiment(python, tmp_path, runs, "--mongo_url", mongo_server.url, "--mongo_db", mongo_db_name,
                               "with", "epochs=100000", *SMALL)
    folder = RunFolder(runs / "1")
    wait_for(lambda: recorded_snapshots(folder.activation_file(0)) >= 2, process)
    process.kill()
    process.wait()

    assert json.loads((runs / "1" / "run.json").read_text())["status"] == "RUNNING"
    assert ExperimentLoader(runs_dir=runs).find_by_id(1, status=None).status == "DEAD"
    refused = reestimate(python, tmp_path, runs, "1", "--estimator", "mi_estimator.upper")
    assert refused.returncode == 1 and "is recorded as running but is dead (its process" in refused.stderr
    assert "--dead-ok" in refused.stderr and "Traceback" not in refused.stderr
    assert reestimate(python, tmp_path, runs, "1", "--estimator", "mi_estimator.upper", "--dead-ok").returncode == 0

    marked = subprocess.run([python, "-m", "deep_bottleneck.cli.dead_runs", "--runs-dir", str(runs), "--mongo-url",
                             mongo_server.url, "--mongo-db", mongo_db_name, "--mark"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert marked.returncode == 0, marked.stderr
    assert f"marked   file store run 1: its process {process.pid} on " in marked.stdout
    assert f"marked   MongoDB run 1: its process {process.pid} on " in marked.stdout
    run = json.loads((runs / "1" / "run.json").read_text())
    assert run["status"] == "FAILED" and run["dead"].startswith(f"its process {process.pid}")
    assert pymongo.MongoClient(mongo_server.url)[mongo_db_name].runs.find_one({"_id": 1})["status"] == "FAILED"
    assert ExperimentLoader(runs_dir=runs).find_by_id(1, status=None).status == "FAILED"
    assert reestimate(python, tmp_path, runs, "1", "--estimator", "mi_estimator.lower").returncode == 0
