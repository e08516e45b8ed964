"""Every command documents each option one way (underscores) and accepts the hyphenated spelling too."""

import subprocess
import sys

import pytest

from deep_bottleneck.cli.experiment import split_storage_flags
from deep_bottleneck.cli.spellings import with_documented_spellings
from tests.conftest import PROJECT_ROOT

COMMANDS = {
    "deep_bottleneck.cli.reestimate": ["--runs_dir", "--mongo_url", "--mongo_db"],
    "deep_bottleneck.cli.mongo_import": ["--runs_dir", "--mongo_url", "--mongo_db"],
    "deep_bottleneck.cli.mongo_server": ["--data_dir"],
}


@pytest.mark.parametrize("module", sorted(COMMANDS))
def test_help_shows_the_underscore_spelling(module):
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for option in COMMANDS[module]:
        assert f"{option} " in done.stdout and f"{option.replace('_', '-')} " not in done.stdout, option


def test_hyphens_are_read_as_the_documented_option_up_to_the_config_updates():
    argv = ["--mongo-url=mongodb://h/", "--runs-dir", "runs", "--name", "x", "with", "--mongo-db=y"]
    assert with_documented_spellings(argv, ["--mongo_url", "--runs_dir"], stop_at="with") == [
        "--mongo_url=mongodb://h/", "--runs_dir", "runs", "--name", "x", "with", "--mongo-db=y"]
    flags, rest = split_storage_flags(["experiment.py", "--mongo-url", "mongodb://h/", "--mongo-only", "--mongo_db",
                                       "study", "with", "epochs=2"])
    assert (flags.mongo_url, flags.mongo_db, flags.mongo_only) == ("mongodb://h/", "study", True)
    assert rest == ["experiment.py", "with", "epochs=2"]
