"""Every shell command and Python snippet in README.md, run as written, in order, in a fresh copy of the project.

The commands are read from README.md itself, so README and tests cannot drift. Where the suite cannot do
exactly what a user's terminal does, it says so here:

- ``make test`` is not run: it is the command running this suite.
- The copy's configs are shortened to at most ``SHORT_EPOCHS`` epochs (the shipped studies train for 8000).
- The copy's ``.venv`` is a link to the environment running this suite, its files dated in the past, so
  ``make`` finds everything installed instead of installing again.
- ``make mongo`` serves until Ctrl-C: it is started in the background on a free port (``MONGO_PORT``), the
  README's ``mongodb://127.0.0.1:27017/`` is replaced by that server's URL, and Ctrl-C (SIGINT) stops it at the end.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest

from tests.conftest import PROJECT_ROOT, free_port

SHORT_EPOCHS = 20
README_MONGO_URL = "mongodb://127.0.0.1:27017/"
NOT_RUN = {"make test": "it is the command running this suite"}
LONG_RUNNING = {"make mongo"}
COPY_IGNORES = shutil.ignore_patterns(".venv", ".git", "runs", ".mongo-data", "__pycache__", "*.egg-info",
                                      ".pytest_cache", "output", "results")


def readme_blocks() -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced code block of README.md, in order."""
    text = (PROJECT_ROOT / "README.md").read_text()
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w+)\n(.*?)^```", text, re.M | re.S)]


def command_lines(code: str) -> list[str]:
    """The commands of a shell block, comments and blank lines left out."""
    lines = [line.split("  #")[0].strip() for line in code.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def fresh_copy(destination: Path) -> Path:
    shutil.copytree(PROJECT_ROOT, destination, ignore=COPY_IGNORES)
    venv = Path(sys.prefix)  # the environment itself; resolving sys.executable leaves a venv for its base Python
    (destination / ".venv").symlink_to(venv)
    shortened = []
    for config in (destination / "configs").rglob("*.json"):
        content = json.loads(config.read_text())
        if content.get("epochs", 0) > SHORT_EPOCHS:
            config.write_text(json.dumps({**content, "epochs": SHORT_EPOCHS}))
            shortened.append(config.name)
    print(f"README test: epochs shortened to {SHORT_EPOCHS} in {', '.join(sorted(shortened))}")
    past = time.time() - 365 * 86400
    for path in destination.rglob("*"):
        if not path.is_symlink():
            os.utime(path, (past, past))
    return destination


def user_environment(**updates: str) -> dict[str, str]:
    """The environment of a user's terminal: none of the suite's own settings."""
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("DEEP_BOTTLENECK_") and k not in ("PYTHONPATH", "MAKEFLAGS", "MAKELEVEL")}
    return {**environment, **updates}


def start_make_mongo(project: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(["make", "mongo"], cwd=project, env=user_environment(MONGO_PORT=str(port)),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = ""
    deadline = time.monotonic() + 300
    while f"127.0.0.1:{port}" not in output:
        line = server.stdout.readline()
        assert line and time.monotonic() < deadline, f"make mongo did not start:\n{output}"
        output += line
    pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=5000).admin.command("ping")
    return server


def stop_with_ctrl_c(server: subprocess.Popen) -> str:
    os.killpg(server.pid, signal.SIGINT)
    output, _ = server.communicate(timeout=60)
    return output


def test_every_readme_command_runs_as_written(tmp_path):
    blocks = readme_blocks()
    languages = [language for language, _ in blocks]
    assert languages.count("bash") >= 3 and "python" in languages
    project = fresh_copy(tmp_path / "project")
    port = free_port()
    mongo_url = f"mongodb://127.0.0.1:{port}/"
    server = None
    ran = []
    try:
        for language, code in blocks:
            commands = [c for c in command_lines(code) if c not in NOT_RUN] if language == "bash" else []
            if language == "bash" and commands == ["make mongo"]:
                server = start_make_mongo(project, port)
                ran.append("make mongo")
                continue
            assert not LONG_RUNNING.intersection(commands), f"give {LONG_RUNNING} a block of its own"
            if language == "bash" and commands:
                script = "set -euxo pipefail\n" + "\n".join(commands).replace(README_MONGO_URL, mongo_url)
                done = subprocess.run(["bash", "-c", script], cwd=project, env=user_environment(),
                                      capture_output=True, text=True, timeout=1800)
                ran += commands
            elif language == "python":
                done = subprocess.run([str(project / ".venv" / "bin" / "python"), "-"], input=code, cwd=project,
                                      env=user_environment(), capture_output=True, text=True, timeout=600)
                ran.append(code)
            else:
                continue
            assert done.returncode == 0, f"README block failed:\n{code}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
            assert "Traceback" not in done.stderr, done.stderr
        runs = sorted((project / "runs").glob("[0-9]*/run.json"), key=lambda p: int(p.parent.name))
        statuses = {int(p.parent.name): json.loads(p.read_text())["status"] for p in runs}
        assert statuses and set(statuses.values()) == {"COMPLETED"}, statuses
        assert (project / "runs" / "1" / "infoplane.png").stat().st_size > 10_000
        if server is not None:
            client = pymongo.MongoClient(mongo_url)
            assert client["my_study"].runs.count_documents({"status": "COMPLETED"}) == 1
            in_mongo = {*client["deep_bottleneck"].runs.distinct("_id"), *client["my_study"].runs.distinct("_id")}
            assert in_mongo == set(statuses), "after the import every file-store run is in MongoDB under its own id"
    finally:
        if server is not None:
            stopped = stop_with_ctrl_c(server)
    assert "make demo" in ran and any("experiment.py" in c for c in ran) and "make mongo" in ran
    assert "stopping the server" in stopped
