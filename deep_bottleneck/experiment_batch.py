"""Find experiment configs and turn them into ``experiment.py`` command lines, local or on a grid."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from deep_bottleneck.config import validate_config
from deep_bottleneck.errors import ConfigError, DeepBottleneckError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT_SCRIPT = PROJECT_ROOT / "experiment.py"


def find_configs(path: Path) -> list[Path]:
    """The JSON config at ``path``, or every JSON config below the folder ``path`` (recursively), sorted."""
    path = Path(path)
    if path.is_file():
        return [path.resolve()]
    if path.is_dir():
        return sorted(p.resolve() for p in path.rglob("*.json"))
    raise ConfigError(f"No config file or folder at {str(path)!r}.")


def check_configs(paths: list[Path]) -> None:
    """Validate every config before any is run.

    Raises:
        ConfigError: Naming the file and what is wrong in it.
    """
    for path in paths:
        try:
            config = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON: {exc}") from None
        try:
            validate_config(config)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None


def batch_argument_parser(description: str) -> argparse.ArgumentParser:
    """Arguments shared by the runners: ``-d PATH`` and ``--seed``."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--path", required=True, type=Path, help="a JSON config or a folder of them")
    parser.add_argument("--seed", type=int, default=None, help="seed passed to every experiment")
    return parser


def checked_configs_or_none(path: Path) -> list[Path] | None:
    """Every config at ``path``, all validated; None (with the error on stderr) if any is bad."""
    try:
        configs = find_configs(path)
        check_configs(configs)
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return configs


def experiment_command(config: Path, seed: int | None, python: str = sys.executable) -> list[str]:
    """The command line that runs one config."""
    command = [python, str(EXPERIMENT_SCRIPT), "with", str(config)]
    if seed is not None:
        command.append(f"seed={seed}")
    return command


def run_locally(configs: list[Path], jobs: int, seed: int | None) -> dict[Path, int]:
    """Run each config in its own process, ``jobs`` at a time; return each config's exit code."""
    def run_one(config: Path) -> int:
        print(f"started  {config}", flush=True)
        code = subprocess.call(experiment_command(config, seed))
        print(f"{'finished' if code == 0 else f'FAILED ({code})'} {config}", flush=True)
        return code

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(zip(configs, pool.map(run_one, configs)))


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
)


def submission_command(
    scheduler: str, config: Path, seed: int | None, output_dir: Path, python: str = sys.executable,
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
    arguments = [os.path.abspath(config)] + ([f"seed={seed}"] if seed is not None else [])
    if scheduler == "sge":
        forwarded = [name for name in FORWARDED_SETTINGS if name in os.environ]
        return ["qsub", "-terse", "-o", output_dir, "-e", output_dir, "-v", ",".join(assignments + forwarded),
                str(SGE_SCRIPT), *arguments]
    if scheduler == "slurm":
        return ["sbatch", "--parsable", f"--output={output_dir}/%j.out",
                "--export=" + ",".join(["ALL", *assignments]), str(SLURM_SCRIPT), *arguments]
    raise ValueError(f"Unknown scheduler {scheduler!r}; use 'sge' or 'slurm'.")
