"""Find experiment configs and turn them into ``experiment.py`` command lines, local or on a grid."""

from __future__ import annotations

import argparse
import json
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


def submission_command(scheduler: str, config: Path, seed: int | None, output_dir: Path) -> list[str]:
    """The command that submits one config to Sun Grid Engine (``qsub``) or Slurm (``sbatch``)."""
    arguments = [str(config)] + ([f"seed={seed}"] if seed is not None else [])
    if scheduler == "sge":
        return ["qsub", "-terse", "-cwd", "-o", str(output_dir), "-e", str(output_dir),
                str(PROJECT_ROOT / "experiment.sge"), *arguments]
    if scheduler == "slurm":
        return ["sbatch", "--parsable", f"--output={output_dir}/%j.out",
                str(PROJECT_ROOT / "infrastructure" / "grid" / "experiment.slurm"), *arguments]
    raise ValueError(f"Unknown scheduler {scheduler!r}; use 'sge' or 'slurm'.")
