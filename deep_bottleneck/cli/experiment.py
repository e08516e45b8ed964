"""The command line of ``experiment.py``: storage flags, config files checked before Sacred sees them,
and the run's name::

    python experiment.py [--mongo_url URL] [--mongo_db NAME] [--mongo_only] [SACRED OPTIONS]
        with [FILE.json] [key=value ...]
    python experiment.py resume RUN_ID [--mongo_url URL] [--mongo_db NAME]      (see ``cli/resume.py``)

The MongoDB flags are read here, not by Sacred, whose own ``-m/--mongo_db`` means something else.
Every user mistake (a missing or malformed config file, an unknown key, an unreachable MongoDB that
was required) ends with one message and exit status 1, without a traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from deep_bottleneck.cli.sacred_command_line import run_command_line
from deep_bottleneck.cli.spellings import with_documented_spellings
from deep_bottleneck.compilation_cache import use_compilation_cache
from deep_bottleneck.errors import ConfigError, DeepBottleneckError, closest_match_hint

CONFIG_FILE_SUFFIXES = (".json", ".yaml", ".yml")
#: experiment.py's own options (also accepted with hyphens, ``--mongo-url``).
STORAGE_OPTIONS = ("--mongo_url", "--mongo_db", "--mongo_only")
DEFAULT_NAME = "deep_bottleneck"

STORAGE_HELP = """\
Storage options (read by deep-bottleneck before Sacred's own options):
  --mongo_url URL   Also store the run in MongoDB at URL (else $DEEP_BOTTLENECK_MONGO_URL).
  --mongo_db NAME   MongoDB database (else $DEEP_BOTTLENECK_MONGO_DB, default deep_bottleneck).
  --mongo_only      Stop instead of falling back to the file store when MongoDB is unreachable
                    (else $DEEP_BOTTLENECK_MONGO_ONLY=1).
(Each may also be written with hyphens, --mongo-url, as in every command of deep-bottleneck.)
Runs always go to the file store: runs/ beside experiment.py, or $DEEP_BOTTLENECK_RUNS_DIR.
(Sacred's own -m/--mongo_db option below is another way to reach MongoDB; --mongo_db NAME above is read first.)
A run is named after its config file(s) unless -n/--name NAME is given.
A run that was killed, interrupted or failed continues from its last snapshot under its own id with
  experiment.py resume RUN_ID [--mongo_url URL]
"""


@dataclass(frozen=True)
class StorageFlags:
    """The MongoDB flags of one command line; None where the flag was not given."""

    mongo_url: str | None = None
    mongo_db: str | None = None
    mongo_only: bool | None = None


def split_storage_flags(argv: list[str]) -> tuple[StorageFlags, list[str]]:
    """Take ``--mongo_url``, ``--mongo_db`` and ``--mongo_only`` (or ``--mongo-url``, ...) out of ``argv`` (before
    ``with``).

    Args:
        argv: The command line, program name first.

    Returns:
        The flags and the remaining command line for Sacred.

    Raises:
        ConfigError: A flag that needs a value has none.
    """
    values: dict[str, str | bool] = {}
    rest = argv[:1]
    arguments = iter(with_documented_spellings(argv[1:], STORAGE_OPTIONS, stop_at="with"))
    for argument in arguments:
        if argument == "with":
            rest += [argument, *arguments]
            break
        flag, has_value, value = argument.partition("=")
        if flag in ("--mongo_url", "--mongo_db"):
            if not has_value:
                value = next(arguments, "")
            if not value or value.startswith("-") or value == "with":
                raise ConfigError(f"{flag} needs a value, e.g. {flag} "
                                  f"{'mongodb://127.0.0.1:27017/' if flag == '--mongo_url' else 'my_study'}.")
            values[flag] = value
        elif argument == "--mongo_only":
            values[argument] = True
        else:
            rest.append(argument)
    return StorageFlags(values.get("--mongo_url"), values.get("--mongo_db"), values.get("--mongo_only")), rest


def config_updates(argv: list[str]) -> list[str]:
    """The arguments after ``with``."""
    return argv[argv.index("with") + 1:] if "with" in argv else []


def resolve_config_files(argv: list[str], project_root: Path) -> list[str]:
    """Let ``with configs/x.json`` work from any folder, and check every config file before Sacred reads it.

    A config file that is not found relative to the working directory is looked up relative to the
    project root.

    Returns:
        ``argv`` with config files as absolute paths.

    Raises:
        ConfigError: A config file is missing, is not valid JSON (or YAML), or does not hold an object.
    """
    if "with" not in argv:
        return list(argv)
    split = argv.index("with") + 1
    resolved = argv[:split]
    for argument in argv[split:]:
        if "=" not in argument:
            argument = str(_checked_config_file(argument, project_root))
        resolved.append(argument)
    return resolved


def _checked_config_file(argument: str, project_root: Path) -> Path:
    candidates = [Path(argument), project_root / argument]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        if not argument.endswith(CONFIG_FILE_SUFFIXES):
            raise ConfigError(
                f"{argument!r} after 'with' is neither key=value nor a config file; give updates as "
                f"key=value (e.g. epochs=100) and config files by their path (e.g. configs/demo.json)."
            )
        folders = dict.fromkeys([Path.cwd().resolve(), project_root.resolve()])
        nearby = [str(p.relative_to(folder)) for folder in folders
                  for p in (folder / argument).parent.glob("*.json") if p.is_file()]
        raise ConfigError(f"Config file {argument!r} not found (looked in {' and '.join(map(str, folders))})."
                          f"{closest_match_hint(argument, nearby)}")
    text = path.read_text()
    if path.suffix == ".json":
        try:
            content = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"Config file {str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}.") from None
    else:
        content = _yaml_content(path, text)
    if not isinstance(content, dict):
        raise ConfigError(f"Config file {str(path)!r} must hold an object of config keys, "
                          f"got {type(content).__name__}.")
    return path.resolve()


def _yaml_content(path: Path, text: str) -> object:
    try:
        import yaml
    except ImportError:
        raise ConfigError(f"Config file {str(path)!r} is YAML, which needs PyYAML (pip install pyyaml); "
                          f"or write it as JSON.") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {str(path)!r} is not valid YAML: {exc}") from None


def run_name(argv: list[str]) -> str:
    """The stems of the config files given after ``with``, joined by ``+``; ``deep_bottleneck`` without one."""
    stems = [Path(argument).stem for argument in config_updates(argv) if "=" not in argument]
    return "+".join(stems) or DEFAULT_NAME


def given_run_id(options: list[str]) -> str | None:
    """The value of Sacred's ``-i/--id`` option among ``options`` (before ``with``), or None."""
    for index, option in enumerate(options):
        if option in ("-i", "--id") and index + 1 < len(options):
            return options[index + 1]
        if option.startswith("--id="):
            return option.split("=", 1)[1]
    return None


def main(argv: list[str], project_root: Path) -> int:
    """Run ``experiment.py``'s command line; return the exit status."""
    use_compilation_cache()
    from deep_bottleneck.run.sacred_experiment import create_experiment
    from deep_bottleneck.store.file_store import check_free_run_id, check_runs_dir, default_runs_dir
    from deep_bottleneck.store.mongo import mongo_observer, settings_from_environment

    try:
        flags, sacred_argv = split_storage_flags(list(argv))
        if sacred_argv[1:2] == ["resume"]:
            from deep_bottleneck.cli.resume import resume

            return resume(sacred_argv[2:], flags.mongo_url, flags.mongo_db, flags.mongo_only, project_root)
        sacred_argv = resolve_config_files(sacred_argv, project_root)
        settings = settings_from_environment(flags.mongo_url, flags.mongo_db, flags.mongo_only)
        options = sacred_argv[1:sacred_argv.index("with")] if "with" in sacred_argv else sacred_argv[1:]
        asks_for_help = any(a in ("-h", "--help", "help") for a in options)
        runs_dir = default_runs_dir(project_root)
        if not asks_for_help:
            check_runs_dir(runs_dir)
            if (run_id := given_run_id(options)) is not None:
                check_free_run_id(runs_dir, run_id)
        observer = mongo_observer(settings) if settings is not None and not asks_for_help else None
    except DeepBottleneckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    experiment = create_experiment(runs_dir, run_name(sacred_argv), observer, STORAGE_HELP)
    return run_command_line(experiment, sacred_argv)

