import json

import pytest

from deep_bottleneck.batch.config_grid import BatchConfig, expand_grid, read_batch_configs
from deep_bottleneck.errors import ConfigError


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content) if not isinstance(content, str) else content)
    return path


def test_a_grid_expands_to_every_combination_named_after_the_file_and_the_varied_values(tmp_path):
    grid = {"epochs": 3, "grid": {"activation_fn": ["tanh", "relu"], "architecture": [[10, 7, 5], [4]],
                                  "estimator_args.n_bins": [8, 30]}}
    configs = expand_grid(tmp_path / "cohort_6.json", grid)
    assert [c.name for c in configs][:3] == [
        "cohort_6_activation_fn_tanh_architecture_10-7-5_estimator_args-n_bins_8",
        "cohort_6_activation_fn_tanh_architecture_10-7-5_estimator_args-n_bins_30",
        "cohort_6_activation_fn_tanh_architecture_4_estimator_args-n_bins_8",
    ]
    assert len(configs) == 8 and len({c.name for c in configs}) == 8
    assert configs[-1].values == {"epochs": 3, "activation_fn": "relu", "architecture": [4],
                                  "estimator_args": {"n_bins": 30}}
    assert expand_grid(tmp_path / "cohort_6.json", json.loads(json.dumps(grid))) == configs


def test_a_list_of_grids_gives_the_configs_of_each(tmp_path):
    grid = {"grid": [{"estimator": ["mi_estimator.binning"], "discretization_range": [0.07, 0.5]},
                     {"estimator": ["mi_estimator.upper"], "discretization_range": [0.001]}]}
    names = [c.name for c in expand_grid(tmp_path / "c1.json", grid)]
    assert names == ["c1_estimator_mi_estimator.binning_discretization_range_0.07",
                     "c1_estimator_mi_estimator.binning_discretization_range_0.5",
                     "c1_estimator_mi_estimator.upper_discretization_range_0.001"]


@pytest.mark.parametrize("grid, message", [
    ({"grid": {"epochs": []}}, "grid axis 'epochs' must be a non-empty list"),
    ({"grid": {"epochs": 3}}, "grid axis 'epochs' must be a non-empty list"),
    ({"grid": []}, "must be an object of config keys"),
    ({"epochs": 2, "grid": {"epochs": [1, 2]}}, "'epochs' is both a grid axis and a shared value"),
    ({"grid": {"architecture": [[10, 7], "10-7"]}}, "two configs would both be named 'g_architecture_10-7'"),
])
def test_a_malformed_grid_is_named_with_what_is_wrong(tmp_path, grid, message):
    with pytest.raises(ConfigError, match=message):
        expand_grid(tmp_path / "g.json", grid)


def test_a_folder_is_searched_recursively_and_unreadable_files_are_reported_not_fatal(tmp_path):
    write(tmp_path / "a.json", {"epochs": 2})
    write(tmp_path / "sub" / "deeper" / "grid.json", {"grid": {"seed": [1, 2]}})
    write(tmp_path / "sub" / "broken.json", "{")
    write(tmp_path / "sub" / "list.json", [1])
    (tmp_path / "notes.txt").write_text("not a config")
    configs, unreadable = read_batch_configs(tmp_path)
    assert [c.name for c in configs] == ["a", "grid_seed_1", "grid_seed_2"]
    assert [(path.name, reason.split(":")[0]) for path, reason in unreadable] == [
        ("broken.json", "not valid JSON"), ("list.json", "must hold an object of config keys, got list")]
    with pytest.raises(ConfigError, match="No config file or folder"):
        read_batch_configs(tmp_path / "nothere")


def test_a_grid_config_gets_a_file_named_after_it_that_a_changed_grid_does_not_overwrite(tmp_path):
    plain = BatchConfig("a", tmp_path / "a.json", {"epochs": 2})
    assert plain.config_file(tmp_path / "out") == tmp_path / "a.json"
    first = BatchConfig("g_epochs_2", tmp_path / "g.json", {"epochs": 2}, from_grid=True).config_file(tmp_path)
    changed = BatchConfig("g_epochs_2", tmp_path / "g.json", {"epochs": 2, "seed": 1}, from_grid=True)
    assert first.name == "g_epochs_2.json" and json.loads(first.read_text()) == {"epochs": 2}
    assert changed.config_file(tmp_path) != first and json.loads(first.read_text()) == {"epochs": 2}


def test_a_grids_hypothesis_is_part_of_the_file_not_of_its_configs(tmp_path):
    grid = {"hypothesis": "tanh compresses, ReLU does not.", "cohort": "c", "grid": {"activation_fn": ["tanh", "relu"]}}
    configs = expand_grid(tmp_path / "c.json", grid)
    assert [config.values for config in configs] == [{"cohort": "c", "activation_fn": "tanh"},
                                                     {"cohort": "c", "activation_fn": "relu"}]
    with pytest.raises(ConfigError, match="'hypothesis' must be text"):
        expand_grid(tmp_path / "c.json", {**grid, "hypothesis": ["a list"]})
