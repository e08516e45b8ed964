"""The cohorts of configs/cohorts/ (the original's section 7.1), and cohort members through run_experiments_local.py:
each run records its cohort and member name, eval_tools finds a cohort by it, and a member is never skipped because
a run of another name shares its config."""

import json
import re
import sys

from deep_bottleneck.batch.config_grid import HYPOTHESIS_KEY, read_batch_configs
from deep_bottleneck.config import validate_config
from deep_bottleneck.eval_tools import ExperimentLoader
from tests.conftest import PROJECT_ROOT, run_script

COHORTS = PROJECT_ROOT / "configs" / "cohorts"


def test_the_eight_cohorts_are_grids_each_with_a_hypothesis_and_its_cohort_name():
    files = sorted(COHORTS.glob("*.json"), key=lambda path: int(path.stem.split("_")[1]))
    assert [path.stem.split("_")[1] for path in files] == [str(n) for n in range(1, 9)]
    for path in files:
        content = json.loads(path.read_text())
        assert len(content[HYPOTHESIS_KEY]) > 80, path.name
        assert content["cohort"] == "_".join(path.stem.split("_")[:2])
        configs, unreadable = read_batch_configs(path)
        assert not unreadable and len(configs) >= 2
        for config in configs:
            assert HYPOTHESIS_KEY not in config.values
            assert config.name.startswith(path.stem + "_")
            assert validate_config(config.values)["cohort"] == content["cohort"]


def runner(folder, path):
    return run_script(sys.executable, "run_experiments_local.py", "-d", str(path), "-j", "2", "--output",
                      str(folder / "output"), cwd=folder,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(folder / "runs")})


def test_cohort_members_are_recorded_found_by_cohort_and_not_skipped_for_another_names_run(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEP_BOTTLENECK_MONGO_URL", raising=False)
    shared = {"hypothesis": "A test cohort.", "cohort": "tiny", "epochs": 2, "architecture": [4], "n_runs": 1}
    first = tmp_path / "tiny.json"
    first.write_text(json.dumps({**shared, "grid": {"activation_fn": ["tanh", "relu"]}}))
    copy = tmp_path / "tiny_copy.json"  # its member has the config of tiny's tanh member, under another name
    copy.write_text(json.dumps({**shared, "grid": {"activation_fn": ["tanh"]}}))

    done = runner(tmp_path, first)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    done = runner(tmp_path, copy)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "skipped" not in done.stdout and "1 completed of 1." in done.stdout
    again = runner(tmp_path, first)
    assert again.returncode == 0
    assert sorted(re.findall(r"skipped (\S+): run \d+", again.stdout)) == ["tiny_activation_fn_relu",
                                                                         "tiny_activation_fn_tanh"]

    loader = ExperimentLoader(runs_dir=tmp_path / "runs")
    cohort = loader.find_by_cohort("tiny")
    assert sorted(experiment.name for experiment in cohort) == ["tiny_activation_fn_relu", "tiny_activation_fn_tanh",
                                                                "tiny_copy_activation_fn_tanh"]
    assert {experiment.config["cohort"] for experiment in cohort} == {"tiny"}
    (member,) = loader.find_by_cohort("tiny", member="tiny_activation_fn_tanh")
    assert member.config["activation_fn"] == "tanh"
    assert loader.find_by_cohort("other") == []
