"""What users type that goes wrong after (or just before) a run starts ends in one line, without a traceback."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.eval_tools import ExperimentLoader
from deep_bottleneck.store.mongo import MongoUnavailableError
from tests.cli.test_experiment import experiment
from tests.conftest import PROJECT_ROOT, free_port, run_script
from tests.run.test_reestimation import reestimate
from tests.small_disk import small_disk

SMALL = ["epochs=3", "architecture=[6,4]"]


def one_line_error(done, text):
    assert done.returncode != 0
    assert text in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_a_runs_dir_that_is_a_file_stops_before_the_run(python, tmp_path):
    (tmp_path / "runs").write_text("")
    one_line_error(experiment(python, tmp_path, tmp_path / "runs", "with", *SMALL), "is a file, not a folder")


def test_a_read_only_runs_dir_stops_before_the_run(python, tmp_path):
    with small_disk(tmp_path / "disk", "1m", read_only=True) as disk:
        done = experiment(python, tmp_path, disk / "runs", "with", *SMALL)
        one_line_error(done, "cannot be written in: Read-only file system")


def test_the_id_of_an_existing_run_is_refused_with_the_next_free_one(python, tmp_path):
    (tmp_path / "runs" / "4").mkdir(parents=True)
    done = experiment(python, tmp_path, tmp_path / "runs", "--id", "4", "with", *SMALL)
    one_line_error(done, "--id 4: the file store")
    assert "get the next free id (5)" in done.stderr


@pytest.mark.parametrize("arguments, message", [
    (["--mongo_url", "notaurl", "with", *SMALL], "--mongo_url 'notaurl' is not a MongoDB URL"),
    (["with", *SMALL, "learning_rate=1e400"], "'learning_rate' must be a number greater than 0, got inf"),
    (["with", *SMALL, "dataset=datasets.mnist", "dataset_args.path=/nowhere/mnist.npz"],
     "The MNIST data named in the config is not at '/nowhere/mnist.npz'"),
])
def test_a_mistake_found_before_the_run_takes_no_run_id(python, tmp_path, arguments, message):
    one_line_error(experiment(python, tmp_path, tmp_path / "runs", *arguments), message)
    assert not any((tmp_path / "runs").glob("[0-9]*"))


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_fewer_than_one_job_is_refused(python, tmp_path, jobs):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "a.json").write_text("{}")
    done = run_script(python, "run_experiments_local.py", "-d", "configs", "-j", jobs, cwd=tmp_path)
    assert done.returncode == 2
    assert "give 1 or more" in done.stderr and "Traceback" not in done.stderr


def test_experiment_loader_says_what_is_wrong_with_its_store(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"No file store at {tmp_path / 'nowhere'}: no such folder"):
        ExperimentLoader(runs_dir=tmp_path / "nowhere")
    with pytest.raises(MongoUnavailableError, match=r"MongoDB at mongodb://127\.0\.0\.1:\d+/ is unreachable"):
        ExperimentLoader(mongo_uri=f"mongodb://127.0.0.1:{free_port()}/")
    with pytest.raises(ConfigError, match="is not a MongoDB URL"):
        ExperimentLoader(mongo_uri="notaurl")


def test_ctrl_c_is_one_line_and_the_run_is_stored_interrupted(python, tmp_path):
    runs = tmp_path / "runs"
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DEEP_BOTTLENECK_RUNS_DIR": str(runs)}
    process = subprocess.Popen([python, str(PROJECT_ROOT / "experiment.py"), "with", "epochs=100000",
                                "architecture=[6,4]", "n_runs=2", "parallel_runs=2"], cwd=tmp_path, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 400
    while not (runs / "1" / "activations" / "run_1.h5").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.5)

    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    _, stderr = process.communicate(timeout=300)

    assert process.returncode == 130
    assert "interrupted (Ctrl-C): run 1 stored as INTERRUPTED; continue it with 'python experiment.py resume 1'." \
        in stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr


@pytest.mark.parametrize("repetitions", [["n_runs=1"], ["n_runs=2", "parallel_runs=1"]], ids=["alone", "together"])
def test_a_ctrl_c_that_python_drops_still_stops_the_run_as_interrupted(python, tmp_path, repetitions):
    """Python drops an exception a signal handler raises inside ``__del__`` or a garbage-collector callback; the
    next epoch raises it again, whether a repetition trains alone or with others."""
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "with", "epochs=6", "architecture=[4]", *repetitions,
                      "callbacks=[['tests.lost_interrupt_callback', {'epoch': 1}]]")

    assert done.returncode == 130, done.stdout + done.stderr
    assert "interrupted (Ctrl-C): run 1 stored as INTERRUPTED" in done.stderr
    assert "KeyboardInterrupt" not in done.stderr, done.stderr
    with ActivationFile(runs / "1" / "activations" / "run_0.h5") as store:
        assert int(store.epochs.max()) < 5


def test_an_interrupted_run_ends_its_process_though_a_thread_of_it_never_ends(python, tmp_path):
    runs = tmp_path / "runs"
    done = run_script(python, "experiment.py", "with", "epochs=6", "architecture=[4]",
                      "callbacks=[['tests.thread_left_running_callback', {'epoch': 1}]]", cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)}, timeout=300)

    assert done.returncode == 130, done.stdout + done.stderr
    assert "interrupted (Ctrl-C): run 1 stored as INTERRUPTED" in done.stderr


def test_a_dead_network_is_warned_about_and_damaged_activation_files_are_called_damaged(python, tmp_path):
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "with", *SMALL, "activation_fn=relu", "learning_rate=1000")
    assert done.returncode == 0, done.stderr
    assert "are dead at epoch 2: every unit gives the same value for every input" in done.stderr

    shutil.copytree(runs / "1", runs / "2")
    truncated = runs / "1" / "activations" / "run_0.h5"
    truncated.write_bytes(truncated.read_bytes()[:truncated.stat().st_size // 2])
    overwritten = runs / "2" / "activations" / "run_0.h5"
    content = overwritten.read_bytes()
    overwritten.write_bytes(content[:len(content) // 2] + b"\xff" * (len(content) - len(content) // 2))

    for run_id, path in (("1", truncated), ("2", overwritten)):
        done = reestimate(python, tmp_path, runs, run_id, "--estimator", "mi_estimator.upper")
        one_line_error(done, f"Activation file {path} ")
        assert "is damaged" in done.stderr or "the file is damaged" in done.stderr
        assert "diverged, so" not in done.stderr
