"""run_experiments_local.py as users run it: a folder with a grid, a bad config and a failing one; twice; Ctrl-C."""

import json
import os
import signal
import subprocess
import time

from tests.conftest import PROJECT_ROOT, run_script

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
    write(configs / "crash.json", {**TINY, "n_runs": 2, "callbacks": [["tests.crash_second_run_callback", {}]]})
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
