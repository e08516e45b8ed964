"""run_experiments.py against real schedulers: a single-node Sun Grid Engine cell and Slurm cluster.

They are brought up by ``infrastructure/grid/sge.sh up`` and ``infrastructure/grid/slurm.sh up`` (``.ci/run`` does
so). Without them these tests are skipped, unless ``$DEEP_BOTTLENECK_REQUIRE_SCHEDULERS=1`` (set by ``.ci/run``):
then a scheduler that is not up fails them.
"""

import json
import os
import re
import subprocess

import pymongo
import pytest

from tests.conftest import PROJECT_ROOT

SCHEDULERS = ["sge", "slurm"]
REQUIRED = os.environ.get("DEEP_BOTTLENECK_REQUIRE_SCHEDULERS", "") not in ("", "0")
TINY = {"epochs": 2, "architecture": [4]}


@pytest.fixture(params=SCHEDULERS)
def scheduler(request):
    """A scheduler that takes jobs now."""
    script = PROJECT_ROOT / "infrastructure" / "grid" / f"{request.param}.sh"
    status = subprocess.run(["bash", str(script), "status"], capture_output=True, text=True)
    if status.returncode != 0:
        reason = f"{request.param} is not up ({script.name} status: {(status.stdout + status.stderr).strip()})"
        if REQUIRED:
            pytest.fail(f"{reason}, and DEEP_BOTTLENECK_REQUIRE_SCHEDULERS is set")
        pytest.skip(reason)
    return request.param


def submit(python, folder, scheduler, *arguments, **env_updates):
    """run_experiments.py as a user types it in ``folder`` (not the project's): relative paths, a terminal's
    environment."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("DEEP_BOTTLENECK_") and name != "PYTHONPATH"}
    environment.update(env_updates)
    return subprocess.run([python, str(PROJECT_ROOT / "run_experiments.py"), "--scheduler", scheduler, *arguments],
                          cwd=folder, env=environment, capture_output=True, text=True, timeout=900)


def jobs_of(stdout):
    """name -> job id of each submitted config."""
    return dict(re.findall(r"^submitted (\S+) \(.*\) as job (\d+)$", stdout, re.M))


def exit_statuses(stdout):
    """job id -> exit status reported by --wait."""
    return {job: int(code) for job, code in re.findall(r"^job (\d+) \(\S+\) ended: exit status (\d+)", stdout, re.M)}


def test_a_grid_runs_as_one_job_per_config_into_the_shared_file_store_and_is_not_submitted_twice(
        scheduler, python, tmp_path):
    user = tmp_path / "elsewhere"
    (user / "configs").mkdir(parents=True)
    (user / "configs" / "trio.json").write_text(json.dumps(
        {**TINY, "grid": {"activation_fn": ["tanh", "relu", "sigmoid"]}}))
    settings = {"DEEP_BOTTLENECK_RUNS_DIR": "runs"}

    done = submit(python, user, scheduler, "-d", "configs", "--seed", "5", "--output", "job-output", "--wait",
                  "with", "epochs=1", **settings)

    assert done.returncode == 0, done.stdout + done.stderr
    names = [f"trio_activation_fn_{fn}" for fn in ("tanh", "relu", "sigmoid")]
    jobs = jobs_of(done.stdout)
    assert sorted(jobs) == sorted(names)
    assert exit_statuses(done.stdout) == dict.fromkeys(jobs.values(), 0)
    stored = {}
    for folder in (user / "runs").iterdir():
        if folder.name.isdigit():
            run = json.loads((folder / "run.json").read_text())
            stored[run["experiment"]["name"]] = (run["status"], json.loads((folder / "config.json").read_text()))
    assert sorted(stored) == sorted(names)
    for name, (status, config) in stored.items():
        assert status == "COMPLETED"
        assert {key: config[key] for key in ("epochs", "architecture", "seed")} == {**TINY, "epochs": 1, "seed": 5}
        assert name == f"trio_activation_fn_{config['activation_fn']}"
    job_files = sorted(path.name for path in (user / "job-output").iterdir() if path.is_file())
    expected_files = (sorted(f"deep_bottleneck.{stream}{job}" for job in jobs.values() for stream in "eo")
                      if scheduler == "sge" else sorted(f"{job}.out" for job in jobs.values()))
    assert job_files == expected_files

    again = submit(python, user, scheduler, "-d", "configs", "--seed", "5", "--output", "job-output", "--wait",
                   "with", "epochs=1", **settings)

    assert again.returncode == 0, again.stdout + again.stderr
    assert jobs_of(again.stdout) == {}
    assert sorted(re.findall(r"^skipped (\S+): run \d+ has this config", again.stdout, re.M)) == sorted(names)


def test_jobs_write_to_mongodb_and_a_failing_job_is_reported_with_its_exit_status(
        scheduler, python, tmp_path, mongo_server, mongo_db_name):
    user = tmp_path / "elsewhere"
    (user / "configs").mkdir(parents=True)
    (user / "configs" / "ok.json").write_text(json.dumps(TINY))
    # The second repetition's worker process dies: the job ends with exit status 1.
    (user / "configs" / "crash.json").write_text(json.dumps(
        {**TINY, "epochs": 1, "n_runs": 2, "callbacks": [["tests.crash_second_run_callback", {}]]}))
    mongo = {"DEEP_BOTTLENECK_MONGO_URL": mongo_server.url, "DEEP_BOTTLENECK_MONGO_DB": mongo_db_name}

    done = submit(python, user, scheduler, "-d", "configs", "--output", "job-output", "--wait",
                  DEEP_BOTTLENECK_RUNS_DIR="runs", **mongo)

    assert done.returncode == 1, done.stdout + done.stderr
    jobs = jobs_of(done.stdout)
    assert exit_statuses(done.stdout) == {jobs["ok"]: 0, jobs["crash"]: 1}
    assert "1 of 2 jobs ended with exit status 0." in done.stdout
    runs = {run["experiment"]["name"]: run for run in pymongo.MongoClient(mongo_server.url)[mongo_db_name].runs.find()}
    assert {name: run["status"] for name, run in runs.items()} == {"ok": "COMPLETED", "crash": "FAILED"}
    assert {key: runs["ok"]["config"][key] for key in TINY} == TINY

    # Another file store: only MongoDB knows that "ok" completed.
    again = submit(python, user, scheduler, "-d", "configs/ok.json", "--output", "job-output",
                   DEEP_BOTTLENECK_RUNS_DIR="other-runs", **mongo)

    assert again.returncode == 0, again.stdout + again.stderr
    assert f"skipped ok: run {runs['ok']['_id']} has this config" in again.stdout and jobs_of(again.stdout) == {}


def test_the_job_scripts_leave_nothing_in_home(python, tmp_path):
    """Each job script, run as its scheduler runs it (a copy, from another folder, with only the variables
    run_experiments.py passes and a $HOME of its own), stores its run and writes nothing under $HOME."""
    (tmp_path / "tiny.json").write_text(json.dumps(TINY))
    jobs = {}
    for name, script in (("sge", PROJECT_ROOT / "experiment.sge"),
                         ("slurm", PROJECT_ROOT / "infrastructure" / "grid" / "experiment.slurm")):
        folder = tmp_path / name
        (folder / "home").mkdir(parents=True)
        copy = folder / "job_script"
        copy.write_text(script.read_text())
        environment = {"PATH": "/usr/bin:/bin", "HOME": str(folder / "home"), "DEEP_BOTTLENECK_ROOT": str(PROJECT_ROOT),
                       "DEEP_BOTTLENECK_PYTHON": python, "DEEP_BOTTLENECK_RUNS_DIR": str(folder / "runs")}
        jobs[name] = subprocess.Popen(["/bin/bash", str(copy), str(tmp_path / "tiny.json")], cwd=folder / "home",
                                      env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for name, job in jobs.items():
        output = job.communicate(timeout=600)[0]
        assert job.returncode == 0, output
        assert json.loads((tmp_path / name / "runs" / "1" / "run.json").read_text())["status"] == "COMPLETED"
        assert list((tmp_path / name / "home").iterdir()) == []


def test_grid_engine_is_given_settings_by_name_so_no_password_is_on_its_command_line(monkeypatch, tmp_path):
    from deep_bottleneck.batch.scheduler_jobs import submission_command

    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_URL", "mongodb://user:secret@db.example:27017")
    command = submission_command("sge", tmp_path / "a.json", None, tmp_path)
    assert "DEEP_BOTTLENECK_MONGO_URL" in command[command.index("-v") + 1].split(",")
    assert not any("secret" in argument for argument in command)


def test_a_path_with_a_comma_is_refused_before_anything_is_submitted(tmp_path):
    from deep_bottleneck.batch.scheduler_jobs import submission_command

    with pytest.raises(ValueError, match="comma"):
        submission_command("slurm", tmp_path / "a.json", None, tmp_path, python=str(tmp_path / "a,b" / "python"))


def test_updates_for_every_config_follow_the_config_in_each_job(tmp_path):
    from deep_bottleneck.batch.scheduler_jobs import submission_command

    for scheduler in SCHEDULERS:
        command = submission_command(scheduler, tmp_path / "a.json", 3, tmp_path, updates=["epochs=20", "n_runs=2"])
        # The job scripts run experiment.py with "$@".
        assert command[-4:] == [str(tmp_path / "a.json"), "epochs=20", "n_runs=2", "seed=3"]


def test_the_help_names_files_that_exist(python):
    done = subprocess.run([python, str(PROJECT_ROOT / "run_experiments.py"), "--help"], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    named = re.findall(r"(?:configs|infrastructure)/[\w/.-]*[\w]", done.stdout)
    assert "configs/grids/cohort_activation_functions.json" in named
    assert [path for path in named if not (PROJECT_ROOT / path).exists()] == []
