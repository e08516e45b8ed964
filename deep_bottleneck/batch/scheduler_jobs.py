"""Experiments as jobs of Sun Grid Engine (``qsub``) or Slurm (``sbatch``): submission, and waiting for exit statuses.

Only the schedulers' command-line clients are used (``qsub``/``qstat``/``qacct``, ``sbatch``/``scontrol``/``sacct``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from deep_bottleneck.batch.experiment_batch import PROJECT_ROOT, experiment_arguments

SCHEDULERS = ("sge", "slurm")
#: Job scripts; run_experiments.py tells them where the project and its interpreter are in these variables.
SGE_SCRIPT = PROJECT_ROOT / "experiment.sge"
SLURM_SCRIPT = PROJECT_ROOT / "infrastructure" / "grid" / "experiment.slurm"
JOB_ROOT_VARIABLE = "DEEP_BOTTLENECK_ROOT"
JOB_PYTHON_VARIABLE = "DEEP_BOTTLENECK_PYTHON"
RUNS_DIR_VARIABLE = "DEEP_BOTTLENECK_RUNS_DIR"
#: Settings an experiment reads from its environment. Grid Engine gives a job only the variables named
#: with ``-v``, so those set are named, without their value: a MongoDB URL may hold a password.
FORWARDED_SETTINGS = (
    "DEEP_BOTTLENECK_MONGO_URL", "DEEP_BOTTLENECK_MONGO_DB", "DEEP_BOTTLENECK_MONGO_ONLY", "KERAS_BACKEND",
    "DEEP_BOTTLENECK_COMPILATION_CACHE",
)
#: Slurm job states after which a job does not run again.
SLURM_FINAL_STATES = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY",
                      "PREEMPTED", "TIMEOUT"}
#: How long a finished Grid Engine job may take to appear in the accounting file (``qacct``).
ACCOUNTING_WAIT_SECONDS = 60


class SchedulerError(Exception):
    """A scheduler client is missing or refused a command."""


def submission_command(
    scheduler: str, config: Path, seed: int | None, output_dir: Path, python: str = sys.executable,
    updates: list[str] = (),
) -> list[str]:
    """The command that submits one config to Sun Grid Engine (``qsub``) or Slurm (``sbatch``).

    The job does not depend on the folder the command is run from (Grid Engine and Slurm run a copy
    of the job script from a spool folder): it is given the project folder, the interpreter and
    ``$DEEP_BOTTLENECK_RUNS_DIR`` (if set) as absolute paths in its environment, the config as an
    absolute path, and its output goes to ``output_dir``. With Grid Engine, the settings in
    ``FORWARDED_SETTINGS`` that are set are passed on too, read from the environment ``qsub`` runs in.

    Args:
        scheduler: ``"sge"`` or ``"slurm"``.
        config: The config file; a relative path is taken from the current folder.
        seed: Seed given to the experiment, or None for the config's own.
        output_dir: Folder for the job's stdout and stderr.
        python: Interpreter that runs ``experiment.py`` in the job.
        updates: ``key=value`` config updates given to the experiment after the config.

    Raises:
        ValueError: Unknown scheduler, or a path holds a comma (both schedulers split their lists of
            variables at commas).
    """
    variables = {JOB_ROOT_VARIABLE: str(PROJECT_ROOT), JOB_PYTHON_VARIABLE: os.path.abspath(python)}
    if os.environ.get(RUNS_DIR_VARIABLE):
        variables[RUNS_DIR_VARIABLE] = os.path.abspath(os.environ[RUNS_DIR_VARIABLE])
    for name, value in variables.items():
        if "," in value:
            raise ValueError(f"{name}={value!r} cannot be passed to a {scheduler} job: the path holds a comma.")
    assignments = [f"{name}={value}" for name, value in variables.items()]
    output_dir = os.path.abspath(output_dir)
    arguments = experiment_arguments(Path(os.path.abspath(config)), seed, list(updates))
    if scheduler == "sge":
        forwarded = [name for name in FORWARDED_SETTINGS if name in os.environ]
        return ["qsub", "-terse", "-o", output_dir, "-e", output_dir, "-v", ",".join(assignments + forwarded),
                str(SGE_SCRIPT), *arguments]
    if scheduler == "slurm":
        return ["sbatch", "--parsable", f"--output={output_dir}/%j.out",
                "--export=" + ",".join(["ALL", *assignments]), str(SLURM_SCRIPT), *arguments]
    raise ValueError(f"Unknown scheduler {scheduler!r}; use 'sge' or 'slurm'.")


def _client(command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        raise SchedulerError(f"{command[0]!r} not found: is the scheduler's client installed and on PATH?") from None
    if check and done.returncode != 0:
        raise SchedulerError(f"{' '.join(command[:2])} failed: {(done.stderr or done.stdout).strip()}")
    return done


def submit(command: list[str]) -> str:
    """Run a submission command; the job id.

    Raises:
        SchedulerError: The client is missing or refused the job.
    """
    # sbatch --parsable prints "id" or "id;cluster".
    return _client(command).stdout.strip().split(";")[0]


@dataclass(frozen=True)
class JobStatus:
    """Where a job is.

    Attributes:
        finished: Whether it ended (or cannot run: a Grid Engine job in error state).
        state: The scheduler's word for it (``r``, ``Eqw``, ``COMPLETED``, ``FAILED``, ...).
        exit_status: The job script's exit status once finished, None while running or when unknown.
    """

    finished: bool
    state: str
    exit_status: int | None = None


def _sge_accounting(job_id: str) -> JobStatus:
    deadline = time.monotonic() + ACCOUNTING_WAIT_SECONDS
    while True:
        done = _client(["qacct", "-j", job_id], check=False)
        fields = dict(line.split(None, 1) for line in done.stdout.splitlines() if len(line.split(None, 1)) == 2)
        if done.returncode == 0 and "exit_status" in fields:
            failed = fields.get("failed", "0").split()[0]
            state = "finished" if failed == "0" else f"failed {fields['failed'].strip()}"
            return JobStatus(True, state, int(fields["exit_status"].split()[0]))
        if time.monotonic() > deadline:
            return JobStatus(True, "finished, not in the accounting file")
        time.sleep(1)


def sge_job_statuses(job_ids: list[str]) -> dict[str, JobStatus]:
    """Grid Engine jobs' statuses: from one ``qstat`` for jobs queued or running, then from ``qacct``."""
    queued = {}
    for line in _client(["qstat", "-u", "*"]).stdout.splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[0] in job_ids:
            queued[fields[0]] = JobStatus("E" in fields[4], fields[4])
    return {job_id: queued[job_id] if job_id in queued else _sge_accounting(job_id) for job_id in job_ids}


def slurm_job_statuses(job_ids: list[str]) -> dict[str, JobStatus]:
    """Slurm jobs' statuses: from one ``squeue`` for jobs queued or running, then from ``scontrol``."""
    listed = _client(["squeue", "-h", "-o", "%i %T", "-j", ",".join(job_ids)], check=False).stdout
    queued = dict(line.split() for line in listed.splitlines() if len(line.split()) == 2)
    return {job_id: JobStatus(False, queued[job_id]) if queued.get(job_id, "COMPLETED") not in SLURM_FINAL_STATES
            else slurm_job_status(job_id) for job_id in job_ids}


def slurm_job_status(job_id: str) -> JobStatus:
    """A Slurm job's status: from ``scontrol`` while Slurm remembers the job, else from ``sacct``."""
    done = _client(["scontrol", "show", "job", "-o", job_id], check=False)
    if done.returncode == 0:
        fields = dict(re.findall(r"(\w+)=(\S*)", done.stdout))
        state, exit_code = fields.get("JobState", "UNKNOWN"), fields.get("ExitCode", "")
    else:
        rows = _client(["sacct", "-X", "-n", "-P", "-j", job_id, "-o", "State,ExitCode"], check=False).stdout.split()
        if not rows:
            return JobStatus(True, "unknown to scontrol and sacct")
        state, exit_code = rows[0].split("|")
        state = state.split()[0]
    if state not in SLURM_FINAL_STATES:
        return JobStatus(False, state)
    status, _, signal_number = exit_code.partition(":")
    exit_status = 128 + int(signal_number) if signal_number not in ("", "0") else int(status or -1)
    return JobStatus(True, state, exit_status)


def job_statuses(scheduler: str, job_ids: list[str]) -> dict[str, JobStatus]:
    """The jobs' statuses with ``scheduler`` (``"sge"`` or ``"slurm"``)."""
    return sge_job_statuses(job_ids) if scheduler == "sge" else slurm_job_statuses(job_ids)


def wait_for_jobs(scheduler: str, jobs: dict[str, str], poll_seconds: float = 2.0) -> dict[str, JobStatus]:
    """Wait until every job has finished, printing each one's exit status as it finishes.

    Args:
        scheduler: ``"sge"`` or ``"slurm"``.
        jobs: Job ids and the names of their configs.
        poll_seconds: Time between two looks at the queue.

    Returns:
        Each job's final status.
    """
    results: dict[str, JobStatus] = {}
    while len(results) < len(jobs):
        pending = [job_id for job_id in jobs if job_id not in results]
        for job_id, status in job_statuses(scheduler, pending).items():
            if status.finished:
                results[job_id] = status
                code = "unknown" if status.exit_status is None else status.exit_status
                print(f"job {job_id} ({jobs[job_id]}) ended: exit status {code} ({status.state})", flush=True)
        if len(results) < len(jobs):
            time.sleep(poll_seconds)
    return results
