import json
import subprocess

import pytest

from deep_bottleneck.errors import ConfigError
from deep_bottleneck.experiment_batch import check_configs, find_configs, submission_command


def write(path, config):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return path


def test_configs_are_found_recursively(tmp_path):
    write(tmp_path / "a.json", {})
    write(tmp_path / "sub" / "deeper" / "b.json", {"epochs": 2})
    (tmp_path / "notes.txt").write_text("not a config")
    assert [p.name for p in find_configs(tmp_path)] == ["a.json", "b.json"]
    assert find_configs(tmp_path / "a.json") == [(tmp_path / "a.json").resolve()]


def test_a_bad_config_is_named_with_its_file(tmp_path):
    good = write(tmp_path / "good.json", {})
    bad = write(tmp_path / "bad.json", {"optimiser": "adam"})
    with pytest.raises(ConfigError, match=r"bad.json: Unknown config key 'optimiser'.*Did you mean 'optimizer'"):
        check_configs([good, bad])
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ConfigError, match="broken.json: not valid JSON"):
        check_configs([tmp_path / "broken.json"])


def test_submission_commands(tmp_path):
    sge = submission_command("sge", tmp_path / "a.json", 3, tmp_path)
    assert sge[:2] == ["qsub", "-terse"] and sge[-3].endswith("experiment.sge") and sge[-1] == "seed=3"
    slurm = submission_command("slurm", tmp_path / "a.json", None, tmp_path)
    assert slurm[:2] == ["sbatch", "--parsable"] and slurm[-1] == str(tmp_path / "a.json")


def test_local_runner_rejects_a_bad_folder_before_running_anything(project_root, python, tmp_path):
    write(tmp_path / "configs" / "ok.json", {"epochs": 1})
    write(tmp_path / "configs" / "typo.json", {"n_run": 2})
    done = subprocess.run([python, str(project_root / "run_experiments_local.py"), "-d", str(tmp_path / "configs")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert "typo.json: Unknown config key 'n_run'. Did you mean 'n_runs'?" in done.stderr
    assert "started" not in done.stdout
