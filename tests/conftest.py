"""Shared fixtures. Keras runs on JAX in tests unless KERAS_BACKEND says otherwise."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
# The many experiment.py processes of the suite compile the same small programs: JAX's persistent cache, shared by
# the session's processes through the environment, compiles each once.
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="deep-bottleneck-jax-cache-")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    # A size limit makes JAX lock the cache (filelock), so no process reads an entry another is still writing.
    os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(8 * 2**30))
    atexit.register(shutil.rmtree, os.environ["JAX_COMPILATION_CACHE_DIR"], ignore_errors=True)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
#: The test files that take longest (1.5-3.5 minutes each on the 2-core machine), longest first. They run before the
#: others: with one pytest worker per core (``make test``: ``--dist loadfile --no-loadscope-reorder``, files handed
#: out in this order) a long file started last would keep one worker busy while the other has nothing left to do.
LONGEST_FILES = (
    "tests/batch/test_scheduler_jobs.py",
    "tests/test_readme.py",
    "tests/run/test_reestimation.py",
    "tests/cli/test_experiment.py",
    "tests/batch/test_local_runner.py",
    "tests/datasets/test_experiments_on_datasets.py",
    "tests/run/test_pipeline.py",
    "tests/eval_tools/test_mongo_and_file_store.py",
    "tests/run/test_repetition_group.py",
    "tests/test_compilation_cache.py",
    "tests/cli/test_resume.py",
)


def pytest_collection_modifyitems(items):
    """The tests of ``LONGEST_FILES`` first, in its order; the others after them in their own order."""
    rank = {name: position for position, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(Path(item.path).relative_to(PROJECT_ROOT).as_posix(), len(rank)))


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


@pytest.fixture
def short_config() -> dict:
    """A quick but complete experiment: Tishby's net for a few epochs."""
    return {
        "epochs": 6, "architecture": [10, 7, 5, 4, 3], "activation_fn": "tanh",
        "dataset": "datasets.harmonics", "estimator": "mi_estimator.binning",
        "calculate_mi_for": "full_dataset", "n_runs": 1, "seed": 3,
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory):
    """A real MongoDB wire-protocol server (SecantusDB) for the whole session."""
    from deep_bottleneck.store.local_server import LocalMongoServer

    server = LocalMongoServer(tmp_path_factory.mktemp("mongo-data"), free_port())
    with server:
        yield server


@pytest.fixture
def mongo_db_name(request) -> str:
    """A database name of this test's own."""
    import re

    return "test_" + re.sub(r"\W", "_", request.node.name)[-50:]


def run_script(python, script, *arguments, cwd, env_updates=None, timeout=600):
    """Run one of the project's scripts in a subprocess with the given environment changes."""
    import subprocess

    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env_updates or {})}
    return subprocess.run([python, str(PROJECT_ROOT / script), *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


# Registered here so that the tests of every folder can use them.
from tests.cohort import cohort, cohort_with_a_failure  # noqa: E402, F401
