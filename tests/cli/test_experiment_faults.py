"""``experiment.py`` when something happens to the run: a full disk, a kill, a damaged file."""

import json
import os
import subprocess
import time

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.store.run_folder import RunFolder
from tests.cli.test_experiment import experiment
from tests.conftest import PROJECT_ROOT
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
