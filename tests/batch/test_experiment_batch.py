import json

import pytest

from deep_bottleneck.config import default_config
from deep_bottleneck.errors import ConfigError
from deep_bottleneck.eval_tools.run_store import FileRunStore
from deep_bottleneck.batch.experiment_batch import plan_batch


def write(path, config):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return path


def store_run(runs_dir, run_id, config, status="COMPLETED", name="x"):
    """A run folder as Sacred's file store writes it: the whole config (defaults included), the status, the name."""
    write(runs_dir / str(run_id) / "config.json", {**default_config(), **config})
    write(runs_dir / str(run_id) / "run.json", {"status": status, "experiment": {"name": name}})


def test_a_bad_config_is_named_with_its_error_and_the_others_are_planned(tmp_path):
    write(tmp_path / "good.json", {"epochs": 2})
    write(tmp_path / "bad.json", {"optimiser": "adam"})
    (tmp_path / "broken.json").write_text("{")
    planned = plan_batch(tmp_path, None, False, store=lambda: FileRunStore(tmp_path / "runs"))
    assert [(p.name, p.runnable) for p in planned] == [("bad", False), ("broken", False), ("good", True)]
    assert planned[0].error.startswith("Unknown config key 'optimiser'. Did you mean 'optimizer'?")
    assert planned[1].error.startswith("not valid JSON")
    with pytest.raises(ConfigError, match="No config file or folder"):
        plan_batch(tmp_path / "nothere", None, False)


def test_a_config_with_a_completed_run_of_the_same_settings_and_seed_is_not_planned_again(tmp_path):
    runs = tmp_path / "runs"
    store_run(runs, 1, {"epochs": 2, "learning_rate": 0.001, "seed": 0}, name="grid_epochs_2")
    store_run(runs, 2, {"epochs": 3, "seed": 0}, status="FAILED", name="grid_epochs_3")
    store_run(runs, 3, {"epochs": 4, "seed": 0, "architecture": [3]}, name="grid_epochs_4")
    store_run(runs, 4, {"epochs": 3, "learning_rate": 0.001, "seed": 0}, name="other_grid_epochs_3")
    write(tmp_path / "configs" / "grid.json", {"learning_rate": 1e-3, "grid": {"epochs": [2, 3, 4]}})

    def plan(seed=None, force=False):
        planned = plan_batch(tmp_path / "configs", seed, force, store=lambda: FileRunStore(runs))
        return {p.name: p.stored_run for p in planned}

    # epochs 3 only failed (run 4 of another name has its config: another experiment); epochs 4 was stored with
    # another architecture.
    assert plan() == {"grid_epochs_2": 1, "grid_epochs_3": None, "grid_epochs_4": None}
    assert plan(seed=1) == {"grid_epochs_2": None, "grid_epochs_3": None, "grid_epochs_4": None}
    assert plan(force=True) == {"grid_epochs_2": None, "grid_epochs_3": None, "grid_epochs_4": None}
