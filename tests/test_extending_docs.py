"""The plug-ins of docs/extending.md, copied from the page as written: each passes the conformance check the page
shows, and the page's config runs them all through experiment.py."""

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from deep_bottleneck.testing.conformance import check_plugin
from tests.conftest import PROJECT_ROOT, run_script

PAGE = PROJECT_ROOT / "docs" / "extending.md"
MODULE_HEADER = re.compile(r"# (my_project/\w+\.py)\n")


def page_blocks() -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block of the page, in order."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w+)\n(.*?)^```", PAGE.read_text(), re.M | re.S)]


def write_modules(folder: Path) -> list[str]:
    """Every block that starts with ``# my_project/<name>.py``, written there; returns the files' names."""
    package = folder / "my_project"
    package.mkdir()
    (package / "__init__.py").write_text("")
    written = []
    for language, code in page_blocks():
        header = MODULE_HEADER.match(code)
        if language == "python" and header:
            (folder / header.group(1)).write_text(code)
            written.append(header.group(1))
    return written


@pytest.fixture
def my_project(tmp_path, monkeypatch):
    written = write_modules(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path, written
    for name in [name for name in sys.modules if name == "my_project" or name.startswith("my_project.")]:
        del sys.modules[name]


def test_every_example_plugin_of_the_page_passes_its_conformance_check(my_project, monkeypatch):
    folder, written = my_project
    assert written == ["my_project/parity_bits.py", "my_project/wide_first.py", "my_project/sign_binning.py",
                       "my_project/loss_log.py", "my_project/input_information.py"]
    monkeypatch.chdir(folder)  # the callback's check writes its log into the working folder (run_dir=".")
    checks = [code for language, code in page_blocks() if language == "python" and code.startswith("check_plugin(")]
    assert len(checks) == len(written)
    for code in checks:
        exec(code, {"check_plugin": check_plugin})


def test_the_pages_config_runs_every_example_plugin_through_experiment_py(my_project):
    folder, _ = my_project
    (config_text,) = [code for language, code in page_blocks() if language == "json"]
    (command,) = [code.strip() for language, code in page_blocks() if language == "bash"]
    assert command == "PYTHONPATH=. .venv/bin/python experiment.py with my_config.json"
    (folder / "my_config.json").write_text(config_text)
    done = run_script(sys.executable, "experiment.py", "with", "my_config.json", cwd=folder,
                      env_updates={"PYTHONPATH": f"{folder}:{PROJECT_ROOT}",
                                   "DEEP_BOTTLENECK_RUNS_DIR": str(folder / "runs")})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = folder / "runs" / "1"
    assert json.loads((run / "run.json").read_text())["status"] == "COMPLETED"
    measures = pd.read_csv(run / "information_measures.csv")
    assert set(measures["estimator"]) == {"sign_binning", "binning"}
    assert measures["layer"].nunique() == 3  # two hidden layers and the readout
    assert (run / "input_information_sign_binning.png").stat().st_size > 10_000
    losses = (run / "loss_log_run_0.csv").read_text().splitlines()
    assert [int(line.split(",")[0]) for line in losses] == [0, 5, 10, 15]
