"""``python experiment.py resume RUN_ID``: a killed or interrupted run continues from its last snapshot under its own
id and ends with exactly the numbers of a run that was never stopped (bit for bit on CPU JAX: the same compiled
programs continue from the same weights, optimizer state and batch order)."""

import json
import signal

import h5py
import numpy as np
import pandas as pd
import pymongo

from deep_bottleneck.checkpoint_file import read_checkpoint
from deep_bottleneck.errors import DamagedFileError
from deep_bottleneck.store.run_folder import RunFolder
from tests.cli.test_experiment import experiment
from tests.cli.test_experiment_faults import start_experiment, wait_for
from tests.processes import descendants, wait_until_ended

SMALL = ["architecture=[6,4]", "seed=4"]


def checkpoint_epoch(path):
    """The epoch of the checkpoint being written at ``path`` (-1 while there is none)."""
    try:
        return read_checkpoint(path)[0].state.epoch
    except DamagedFileError:
        return -1


def held_run(release_file, epoch, **arguments):
    """Config updates of a run whose training waits at the end of ``epoch`` until ``release_file`` exists."""
    gate = [["tests.release_gate_callback", {"release_file": str(release_file), "epoch": epoch, **arguments}]]
    return [f"callbacks={json.dumps(gate)}"]


def metrics_of(folder):
    return {name: (values["steps"], values["values"]) for name, values in
            json.loads((folder / "metrics.json").read_text()).items()}


def assert_same_numbers(resumed, uninterrupted):
    """Metrics (every epoch once), information measures and every snapshot of two run folders are equal."""
    assert metrics_of(resumed) == metrics_of(uninterrupted)
    pd.testing.assert_frame_equal(pd.read_csv(resumed / "information_measures.csv"),
                                  pd.read_csv(uninterrupted / "information_measures.csv"), check_exact=True)
    files = RunFolder(uninterrupted).activation_files()
    assert [p.name for p in RunFolder(resumed).activation_files()] == [p.name for p in files] != []
    for path in files:
        with h5py.File(resumed / "activations" / path.name) as a, h5py.File(path) as b:
            np.testing.assert_array_equal(a["epochs"][:], b["epochs"][:])
            for name in b["layers"]:
                np.testing.assert_array_equal(a["layers"][name][:], b["layers"][name][:])
            for layer in b["weights"]:
                for weight in b["weights"][layer]:
                    np.testing.assert_array_equal(a["weights"][layer][weight][:], b["weights"][layer][weight][:])


def stored_run(runs, run_id=1):
    return json.loads((runs / str(run_id) / "run.json").read_text())


def test_kill_9_of_a_run_trained_together_in_two_workers_resumes_to_the_numbers_of_an_uninterrupted_run(
        python, tmp_path):
    arguments = ["with", "epochs=60", "n_runs=3", "parallel_runs=2", *SMALL]
    uninterrupted = start_experiment(python, tmp_path, tmp_path / "whole", *arguments)
    runs = tmp_path / "runs"
    killed = start_experiment(python, tmp_path, runs, *arguments)
    folder = RunFolder(runs / "1")
    wait_for(lambda: min(checkpoint_epoch(folder.checkpoint_file(group)) for group in ([0, 1], [2])) >= 3, killed)
    workers = descendants(killed.pid)
    killed.kill()
    killed.wait()
    assert wait_until_ended(workers, 5) == set()
    assert stored_run(runs)["status"] == "RUNNING"

    resumed = experiment(python, tmp_path, runs, "resume", "1")

    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed run: repetitions 0-1 continue after epoch" in resumed.stderr
    assert "Resumed run: repetition 2 continue after epoch" in resumed.stderr
    run = stored_run(runs)
    assert run["status"] == "COMPLETED"
    assert run["resumed"][0]["earlier_status"] == "RUNNING"
    assert run["resumed"][0]["reason"].startswith(f"its process {killed.pid} on ")
    assert not folder.checkpoint_folder.exists()
    assert uninterrupted.wait(timeout=600) == 0, uninterrupted.communicate()
    assert_same_numbers(runs / "1", tmp_path / "whole" / "1")


def test_an_interrupted_run_trained_alone_resumes_to_the_numbers_of_an_uninterrupted_run_and_refusals_are_one_line(
        python, tmp_path):
    release = tmp_path / "release"
    arguments = ["with", "epochs=60", "batched_repetitions=False", *SMALL]
    whole = tmp_path / "whole"
    uninterrupted = start_experiment(python, tmp_path, whole, *arguments)
    runs = tmp_path / "runs"
    held = start_experiment(python, tmp_path, runs, *arguments, *held_run(release, 8))
    folder = RunFolder(runs / "1")
    wait_for(lambda: checkpoint_epoch(folder.checkpoint_file([0])) == 7, held)

    still_running = experiment(python, tmp_path, runs, "resume", "1")
    assert still_running.returncode == 1
    assert still_running.stderr.strip() == (
        f"error: Run 1 is still running (process {held.pid} on {stored_run(runs)['host']['hostname']}); resume it "
        f"once it has ended, or end that process first.")

    held.send_signal(signal.SIGTERM)
    assert held.wait(timeout=300) == 130
    assert "stored as INTERRUPTED; continue it with 'python experiment.py resume 1'." in held.stderr.read()
    assert stored_run(runs)["status"] == "INTERRUPTED"
    release.touch()
    resumed = experiment(python, tmp_path, runs, "resume", "1")
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed run: repetition 0 continue after epoch 7 (8 snapshot(s) kept)." in resumed.stderr
    assert stored_run(runs)["status"] == "COMPLETED"
    assert stored_run(runs)["resumed"][0]["earlier_status"] == "INTERRUPTED"

    assert uninterrupted.wait(timeout=600) == 0, uninterrupted.communicate()
    assert_same_numbers(runs / "1", whole / "1")

    completed = experiment(python, tmp_path, runs, "resume", "1")
    assert (completed.returncode, completed.stderr.strip()) == (
        1, "error: Run 1 has COMPLETED; there is nothing to resume.")
    missing = experiment(python, tmp_path, runs, "resume", "7")
    assert missing.returncode == 1 and missing.stderr.startswith(f"error: The file store {runs} holds no run '7'.")
    assert len(missing.stderr.strip().splitlines()) == 1


def test_a_killed_run_resumes_in_mongodb_too_with_every_epoch_of_its_metrics_once(
        python, tmp_path, mongo_server, mongo_db_name):
    release = tmp_path / "release"
    arguments = ["with", "epochs=60", "n_runs=2", "parallel_runs=1", "batched_repetitions=False", *SMALL]
    whole = tmp_path / "whole"
    uninterrupted = start_experiment(python, tmp_path, whole, *arguments)
    runs = tmp_path / "runs"
    mongo = ["--mongo_url", mongo_server.url, "--mongo_db", mongo_db_name]
    killed = start_experiment(python, tmp_path, runs, *mongo, *arguments, *held_run(release, 5, held_run=1))
    folder = RunFolder(runs / "1")
    # Repetition 0 trains through; repetition 1 is held at epoch 5 and killed there.
    wait_for(lambda: checkpoint_epoch(folder.checkpoint_file([1])) == 4, killed)
    killed.kill()
    killed.wait()
    db = pymongo.MongoClient(mongo_server.url)[mongo_db_name]
    assert db.runs.find_one({"_id": 1})["status"] == "RUNNING"
    killed_output = db.runs.find_one({"_id": 1})["captured_out"]

    release.touch()
    resumed = experiment(python, tmp_path, runs, "resume", "1", *mongo)

    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed run: repetition 0 continue after epoch 59 (55 snapshot(s) kept), training had ended." \
        in resumed.stderr
    assert "Resumed run: repetition 1 continue after epoch 4 (5 snapshot(s) kept)." in resumed.stderr
    assert uninterrupted.wait(timeout=600) == 0, uninterrupted.communicate()
    assert_same_numbers(runs / "1", whole / "1")
    document = db.runs.find_one({"_id": 1})
    assert document["status"] == "COMPLETED" and document["resumed"][0]["earlier_status"] == "RUNNING"
    assert document["start_time"].isoformat()[:23] == stored_run(runs)["start_time"][:23]
    stored = {m["name"]: (m["steps"], m["values"]) for m in db.metrics.find({"run_id": 1})}
    assert stored == metrics_of(whole / "1")
    assert sorted(m["name"] for m in document["info"]["metrics"]) == sorted(stored)
    assert sorted(a["name"] for a in document["artifacts"]) == sorted(stored_run(runs)["artifacts"])
    assert db.fs.files.count_documents({"filename": {"$regex": "^artifact://runs/1/"}}) == len(document["artifacts"])
    # The killed run's output, then the resumed run's.
    output = document["captured_out"]
    assert output == (runs / "1" / "cout.txt").read_text()
    assert output.startswith(killed_output) and output.endswith(f"Information measures: {runs / '1'}"
                                                                f"/information_measures.csv\n")
