"""run_experiments_local.py as users run it: a folder with a grid, a bad config and a failing one; twice; Ctrl-C."""

import json
import os
import signal
import subprocess
import time

import pandas as pd

from deep_bottleneck.cores import machine_cores
from tests.conftest import PROJECT_ROOT, run_script
from tests.processes import descendants, wait_until_ended

TINY = {"epochs": 2, "architecture": [4]}


def write(path, config):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))


def stored_runs(runs_dir):
    return {int(p.name): (json.loads((p / "run.json").read_text())["status"], p)
            for p in runs_dir.iterdir() if p.name.isdigit()}


def summary_rows(stdout):
    """config name -> (run, status) from the summary table."""
    lines = stdout[stdout.index("config  "):].splitlines()[1:]
    rows = [line.split() for line in lines if not line.endswith(".") and not line.split(" ")[0].endswith(":")]
    return {fields[0]: (fields[1], fields[2]) for fields in rows}


def test_a_grid_runs_once_a_bad_config_is_named_and_a_failing_one_does_not_stop_the_others(python, tmp_path):
    configs = tmp_path / "configs"
    write(configs / "six.json", {**TINY, "grid": {"activation_fn": ["tanh", "relu", "sigmoid"],
                                                  "learning_rate": [0.001, 0.01]}})
    write(configs / "bad.json", {**TINY, "optimiser": "sgd"})
    # The second repetition's process dies: the experiment fails while it runs.
    write(configs / "crash.json", {**TINY, "n_runs": 2, "parallel_runs": 2,
                                   "callbacks": [["tests.crash_second_run_callback", {}]]})
    runs = tmp_path / "runs"
    env = {"DEEP_BOTTLENECK_RUNS_DIR": str(runs)}

    first = run_script(python, "run_experiments_local.py", "-d", "configs", "-j", "2", "--output", "out",
                       cwd=tmp_path, env_updates=env)

    assert first.returncode == 1, first.stdout + first.stderr
    assert (f"invalid bad ({configs / 'bad.json'}): Unknown config key 'optimiser'. Did you mean 'optimizer'?"
            in first.stderr)
    rows = summary_rows(first.stdout)
    grid_names = [f"six_activation_fn_{fn}_learning_rate_{rate}" for fn in ("tanh", "relu", "sigmoid")
                  for rate in ("0.001", "0.01")]
    assert {name: rows[name][1] for name in grid_names} == dict.fromkeys(grid_names, "completed")
    assert rows["bad"] == ("-", "invalid") and rows["crash"][1] == "failed"
    crash_line = first.stdout.split("failed: crash (")[1].splitlines()[0]
    assert "ExperimentFailed: A worker process ended abruptly" in crash_line
    stored = stored_runs(runs)
    assert sorted(status for status, _ in stored.values()) == ["COMPLETED"] * 6 + ["FAILED"]
    for name in grid_names:
        status, folder = stored[int(rows[name][0])]
        config = json.loads((folder / "config.json").read_text())
        assert json.loads((folder / "run.json").read_text())["experiment"]["name"] == name
        assert name == f"six_activation_fn_{config['activation_fn']}_learning_rate_{config['learning_rate']}"
    assert "1 invalid" in first.stdout and "6 completed" in first.stdout and "1 failed" in first.stdout

    second = run_script(python, "run_experiments_local.py", "-d", "configs/six.json", "-j", "2", "--output", "out",
                        cwd=tmp_path, env_updates=env)

    assert second.returncode == 0, second.stdout + second.stderr
    assert {name: status for name, (_, status) in summary_rows(second.stdout).items()} == dict.fromkeys(
        grid_names, "skipped")
    assert len(stored_runs(runs)) == 7


def test_experiments_side_by_side_share_the_cores_and_one_alone_has_them_all_with_the_same_measures(python,
                                                                                                     tmp_path):
    for name in ("first", "second"):
        write(tmp_path / "configs" / f"{name}.json", {**TINY, "n_runs": 2})
    runs = tmp_path / "runs"
    env = {"DEEP_BOTTLENECK_RUNS_DIR": str(runs), "DEEP_BOTTLENECK_CORES": "2"}

    side_by_side = run_script(python, "run_experiments_local.py", "-d", "configs", "-j", "2", "--output", "out",
                              cwd=tmp_path, env_updates=env)
    alone = run_script(python, "run_experiments_local.py", "-d", "configs/first.json", "-j", "2", "--force",
                       "--output", "out_alone", cwd=tmp_path, env_updates=env)

    assert side_by_side.returncode == 0 and alone.returncode == 0, side_by_side.stdout + alone.stdout
    logs = {log.stem: log.read_text() for log in (tmp_path / "out").glob("local-*/*.log")}
    assert sorted(logs) == ["first", "second"]
    for text in logs.values():
        assert "The 2 repetitions run in this process (one per core, 1 for this experiment)." in text
    cores = min(2, machine_cores())
    (alone_log,) = (tmp_path / "out_alone").glob("local-*/first.log")
    assert (f"The 2 repetitions run in {'this process' if cores == 1 else '2 worker processes'} "
            f"(one per core, {cores} for this experiment)." in alone_log.read_text())
    first_runs = [folder for _, folder in stored_runs(runs).values()
                  if json.loads((folder / "run.json").read_text())["experiment"]["name"] == "first"]
    assert len(first_runs) == 2
    one, other = (pd.read_csv(folder / "information_measures.csv") for folder in first_runs)
    pd.testing.assert_frame_equal(one, other, check_exact=False, atol=1e-4, rtol=0)


def test_updates_after_with_reach_every_config_and_count_when_looking_for_completed_runs(python, tmp_path):
    write(tmp_path / "configs" / "one.json", TINY)
    runs = tmp_path / "runs"
    env = {"DEEP_BOTTLENECK_RUNS_DIR": str(runs)}

    first = run_script(python, "run_experiments_local.py", "-d", "configs", "--output", "out", "with", "epochs=1",
                       "architecture=[3]", cwd=tmp_path, env_updates=env)

    assert first.returncode == 0, first.stdout + first.stderr
    config = json.loads((runs / "1" / "config.json").read_text())
    assert (config["epochs"], config["architecture"]) == (1, [3])
    again = run_script(python, "run_experiments_local.py", "-d", "configs", "--output", "out", "with", "epochs=1",
                       "architecture=[3]", cwd=tmp_path, env_updates=env)
    assert again.returncode == 0 and "skipped one: run 1 has this config" in again.stdout
    wrong = run_script(python, "run_experiments_local.py", "-d", "configs", "with", "epochs", cwd=tmp_path,
                       env_updates=env)
    assert wrong.returncode == 2 and "give config updates as key=value (e.g. epochs=20)" in wrong.stderr
    assert sorted(path.name for path in runs.iterdir() if path.name.isdigit()) == ["1"]


def test_ctrl_c_stops_the_batch_keeping_finished_runs_and_marking_the_interrupted_one(python, tmp_path):
    write(tmp_path / "configs" / "a_short.json", TINY)
    write(tmp_path / "configs" / "b_long.json", {**TINY, "epochs": 1_000_000})
    write(tmp_path / "configs" / "c_never.json", TINY)
    runs = tmp_path / "runs"
    runner = subprocess.Popen(
        [python, str(PROJECT_ROOT / "run_experiments_local.py"), "-d", "configs", "-j", "1", "--output", "out"],
        cwd=tmp_path, env={**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(runs)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (runs / "2" / "metrics.json").exists():
        assert runner.poll() is None and time.monotonic() < deadline, runner.communicate()
        time.sleep(0.5)

    runner.send_signal(signal.SIGINT)
    stdout, stderr = runner.communicate(timeout=120)

    assert runner.returncode == 130, stdout + stderr
    assert "interrupted: stopping 1 running experiment(s), 1 not started" in stderr
    assert {name: status for name, (_, status) in summary_rows(stdout).items()} == {
        "a_short": "completed", "b_long": "interrupted", "c_never": "not-started"}
    assert {run_id: status for run_id, (status, _) in stored_runs(runs).items()} == {1: "COMPLETED",
                                                                                     2: "INTERRUPTED"}


def start_runner(python, tmp_path, runs):
    return subprocess.Popen(
        [python, str(PROJECT_ROOT / "run_experiments_local.py"), "-d", "configs", "-j", "1", "--output", "out"],
        cwd=tmp_path, env={**os.environ, "DEEP_BOTTLENECK_RUNS_DIR": str(runs)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_run(runner, runs, run_id=1, seconds=300):
    deadline = time.monotonic() + seconds
    while not (runs / str(run_id) / "metrics.json").exists():
        assert runner.poll() is None and time.monotonic() < deadline, runner.communicate()
        time.sleep(0.5)


def test_an_experiment_killed_by_a_signal_is_reported_as_such(python, tmp_path):
    write(tmp_path / "configs" / "long.json", {**TINY, "epochs": 1_000_000})
    runs = tmp_path / "runs"
    runner = start_runner(python, tmp_path, runs)
    wait_for_run(runner, runs)
    (experiment_pid,) = [pid for pid in descendants(runner.pid) if _parent(pid) == runner.pid]

    os.kill(experiment_pid, signal.SIGKILL)
    stdout, stderr = runner.communicate(timeout=120)

    assert runner.returncode == 1, stdout + stderr
    assert "failed: long (" in stdout and "): killed by signal 9 (SIGKILL)" in stdout
    run = json.loads((runs / "1" / "run.json").read_text())
    assert (run["status"], run["dead"]) == ("FAILED", "killed by signal 9 (SIGKILL)")


def test_experiments_end_and_store_themselves_as_interrupted_when_the_runner_is_killed(python, tmp_path):
    write(tmp_path / "configs" / "long.json", {**TINY, "epochs": 1_000_000})
    runs = tmp_path / "runs"
    runner = start_runner(python, tmp_path, runs)
    wait_for_run(runner, runs)
    below = descendants(runner.pid)

    runner.kill()
    runner.communicate()

    assert wait_until_ended(below, 120) == set()
    assert stored_runs(runs)[1][0] == "INTERRUPTED"


def _parent(pid):
    stat = open(f"/proc/{pid}/stat").read()
    return int(stat[stat.rindex(")") + 2:].split()[1])
