"""run_experiments.py submits jobs that do not depend on the folder it is called from.

The tests put stand-ins for ``qsub`` and ``sbatch`` on PATH. They do what matters here as the real
clients do: read the options embedded in the job script, copy the script to a spool folder and run the
copy from another folder (Grid Engine: the user's home; Slurm: the submission folder), with only the
variables the scheduler would pass (``-v`` / ``--export``), write the job's output where ``-o``/``-e`` or
``--output`` say, and print the job id. They run the job before returning; the real ones queue it.
Real Grid Engine and Slurm are exercised by the cluster issue (#11).

Run as a script, this file is the stand-in: ``python test_run_experiments.py sge|slurm STATE_DIR ARGS...``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TINY_CONFIG = {"epochs": 2, "architecture": [4]}
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


def _embedded_options(script: Path, prefix: str, stop_at_command: bool) -> list[str]:
    options = []
    for line in script.read_text().splitlines()[1:]:
        if line.startswith(prefix):
            options += shlex.split(line[len(prefix):])
        elif stop_at_command and line.strip() and not line.startswith("#"):
            break
    return options


def _parse(argv: list[str], flags: set[str], with_value: set[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Options as (name, value) pairs in order, and the script with its arguments."""
    options = []
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        name, _, value = argv[index].partition("=")
        if name in flags:
            options.append((name, ""))
        elif name in with_value:
            if not value:
                index += 1
                value = argv[index]
            options.append((name, value))
        else:
            raise SystemExit(f"stand-in: unknown option {argv[index]!r}")
        index += 1
    return options, argv[index:]


def _next_job_id(state: Path) -> str:
    counter = state / "last_job_id"
    job_id = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(job_id))
    return str(job_id)


def _run_job(state: Path, job_id: str, script: Path, command: list[str], arguments: list[str], cwd: str,
             env: dict[str, str], stdout: Path, stderr: Path) -> None:
    spooled = state / "spool" / job_id / "job_script"
    spooled.parent.mkdir(parents=True)
    shutil.copy(script, spooled)
    spooled.chmod(0o755)
    with stdout.open("a") as out, stderr.open("a") as err:
        code = subprocess.call([*command, str(spooled), *arguments], cwd=cwd, env=env, stdout=out, stderr=err)
    (spooled.parent / "exit_status").write_text(str(code))


def _exported(names_and_values: list[str], env: dict[str, str]) -> None:
    for item in names_and_values:
        name, has_value, value = item.partition("=")
        if has_value:
            env[name] = value
        elif name in os.environ:
            env[name] = os.environ[name]


def qsub(state: Path, argv: list[str]) -> int:
    """Grid Engine's qsub, as far as it matters for where a job runs and what it sees."""
    flags, with_value = {"-terse", "-cwd", "-V"}, {"-o", "-e", "-v", "-N", "-S", "-wd"}
    command_line, script_and_arguments = _parse(argv, flags, with_value)
    script, arguments = Path(script_and_arguments[0]), script_and_arguments[1:]
    embedded, _ = _parse(_embedded_options(script, "#$", stop_at_command=False), flags, with_value)
    options = embedded + command_line
    settings = dict(options)
    job_id = _next_job_id(state)
    name = settings.get("-N", script.name)
    home = state / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ) if "-V" in settings else {}
    env.update(PATH=DEFAULT_PATH, HOME=str(home), JOB_ID=job_id, JOB_NAME=name, SGE_O_WORKDIR=os.getcwd(),
               SGE_O_HOME=os.environ.get("HOME", ""), SGE_O_PATH=os.environ.get("PATH", ""))
    for option, value in options:
        if option == "-v":
            _exported(value.split(","), env)
    cwd = os.getcwd() if "-cwd" in settings else settings.get("-wd", str(home))

    def output_path(option: str, letter: str) -> Path:
        path = Path(settings.get(option, cwd))
        return path / f"{name}.{letter}{job_id}" if path.is_dir() else path

    _run_job(state, job_id, script, [settings.get("-S", "/bin/sh")], arguments, cwd, env,
             output_path("-o", "o"), output_path("-e", "e"))
    print(job_id if "-terse" in settings else f'Your job {job_id} ("{name}") has been submitted')
    return 0


def sbatch(state: Path, argv: list[str]) -> int:
    """Slurm's sbatch, as far as it matters for where a job runs and what it sees."""
    flags = {"--parsable"}
    with_value = {"--output", "--error", "--export", "--job-name", "--chdir", "--cpus-per-task"}
    command_line, script_and_arguments = _parse(argv, flags, with_value)
    script, arguments = Path(script_and_arguments[0]), script_and_arguments[1:]
    embedded, _ = _parse(_embedded_options(script, "#SBATCH", stop_at_command=True), flags, with_value)
    settings = dict(embedded + command_line)
    job_id = _next_job_id(state)
    name = settings.get("--job-name", script.name)
    export = settings.get("--export", "ALL").split(",")
    env = dict(os.environ) if "ALL" in export else {"PATH": DEFAULT_PATH}
    _exported([item for item in export if item not in ("ALL", "NONE")], env)
    env.update(SLURM_JOB_ID=job_id, SLURM_JOB_NAME=name, SLURM_SUBMIT_DIR=os.getcwd())
    cwd = settings.get("--chdir", os.getcwd())

    def output_path(pattern: str) -> Path:
        return Path(cwd, pattern.replace("%j", job_id).replace("%x", name).replace("%%", "%"))

    stdout = output_path(settings.get("--output", "slurm-%j.out"))
    _run_job(state, job_id, script, [], arguments, cwd, env, stdout,
             output_path(settings["--error"]) if "--error" in settings else stdout)
    print(job_id if "--parsable" in settings else f"Submitted batch job {job_id}")
    return 0


def install_stand_ins(folder: Path, state: Path) -> Path:
    """Executables ``qsub`` and ``sbatch`` in ``folder/bin`` that run this file as the stand-in."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    for client, scheduler in (("qsub", "sge"), ("sbatch", "slurm")):
        executable = bin_dir / client
        executable.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(__file__)} "
                              f"{scheduler} {shlex.quote(str(state))} \"$@\"\n")
        executable.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("scheduler, job_output_files", [
    ("sge", ["deep_bottleneck.e1", "deep_bottleneck.o1"]),
    ("slurm", ["1.out"]),
])
def test_a_submitted_experiment_runs_and_is_stored_whatever_folder_it_was_submitted_from(
        scheduler, job_output_files, project_root, python, tmp_path):
    """Submitted from an unrelated folder with relative paths, the job finds the project, its interpreter,
    the config and the run store."""
    state = tmp_path / "scheduler"
    state.mkdir()
    bin_dir = install_stand_ins(tmp_path, state)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "configs").mkdir(parents=True)
    (elsewhere / "configs" / "tiny.json").write_text(json.dumps(TINY_CONFIG))
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("DEEP_BOTTLENECK_") and name != "PYTHONPATH"}
    environment.update(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", DEEP_BOTTLENECK_RUNS_DIR="runs")

    done = subprocess.run(
        [python, str(project_root / "run_experiments.py"), "-d", "configs", "--scheduler", scheduler,
         "--seed", "5", "--output", "job-output"],
        cwd=elsewhere, env=environment, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"submitted {elsewhere / 'configs' / 'tiny.json'} as job 1"
    assert sorted(path.name for path in (elsewhere / "job-output").iterdir()) == job_output_files
    logs = "\n".join((elsewhere / "job-output" / name).read_text() for name in job_output_files)
    assert (state / "spool" / "1" / "exit_status").read_text() == "0", logs
    run = json.loads((elsewhere / "runs" / "1" / "run.json").read_text())
    config = json.loads((elsewhere / "runs" / "1" / "config.json").read_text())
    assert run["status"] == "COMPLETED"
    assert {key: config[key] for key in ("epochs", "architecture", "seed")} == {**TINY_CONFIG, "seed": 5}
    assert "Completed after" in logs


def test_grid_engine_is_given_settings_by_name_so_no_password_is_on_its_command_line(monkeypatch, tmp_path):
    from deep_bottleneck.experiment_batch import submission_command

    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_URL", "mongodb://user:secret@db.example:27017")
    command = submission_command("sge", tmp_path / "a.json", None, tmp_path)
    assert "DEEP_BOTTLENECK_MONGO_URL" in command[command.index("-v") + 1].split(",")
    assert not any("secret" in argument for argument in command)


def test_a_path_with_a_comma_is_refused_before_anything_is_submitted(tmp_path):
    from deep_bottleneck.experiment_batch import submission_command

    with pytest.raises(ValueError, match="comma"):
        submission_command("slurm", tmp_path / "a.json", None, tmp_path, python=str(tmp_path / "a,b" / "python"))


if __name__ == "__main__":
    stand_ins = {"sge": qsub, "slurm": sbatch}
    sys.exit(stand_ins[sys.argv[1]](Path(sys.argv[2]), sys.argv[3:]))
