import json

import pytest

from deep_bottleneck.config import default_config, validate_config
from deep_bottleneck.errors import ConfigError, ConfigWarning


def test_defaults_are_valid_and_match_configs_basic_json(project_root):
    assert validate_config({}) == validate_config(default_config())
    assert json.loads((project_root / "configs" / "basic.json").read_text()) == default_config()
    assert default_config()["initial_bias"] == 0


def test_every_shipped_config_is_valid(project_root):
    from deep_bottleneck.batch.config_grid import read_batch_configs

    configs, unreadable = read_batch_configs(project_root / "configs")  # grids expanded
    assert unreadable == [] and len(configs) > len(list((project_root / "configs").glob("*.json")))
    for config in configs:
        validate_config(config.values)


def test_unknown_key_is_named_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"Unknown config key 'epoch'.*Did you mean 'epochs'"):
        validate_config({"epoch": 10})


def test_wrong_type_names_the_key():
    with pytest.raises(ConfigError, match=r"'batch_size' must be a positive integer, got '256'"):
        validate_config({"batch_size": "256"})
    with pytest.raises(ConfigError, match="'epochs' must be a positive integer, got True"):
        validate_config({"epochs": True})
    with pytest.raises(ConfigError, match="'architecture'"):
        validate_config({"architecture": [10, "7"]})
    with pytest.raises(ConfigError, match="'store_activations' must be true or false, got 'false'. On experiment.py's "
                                          "command line write store_activations=False"):
        validate_config({"store_activations": "false"})
    with pytest.raises(ConfigError, match="'batched_repetitions' must be true or false, got 1.$"):
        validate_config({"batched_repetitions": 1})


def test_out_of_range_values_are_rejected():
    with pytest.raises(ConfigError, match="'learning_rate' must be a number greater than 0, got -0.1"):
        validate_config({"learning_rate": -0.1})
    with pytest.raises(ConfigError, match="'n_runs' must be a positive integer, got 0"):
        validate_config({"n_runs": 0})
    with pytest.raises(ConfigError, match="'max_norm_weights' must be false or a number greater than 0"):
        validate_config({"max_norm_weights": 0})


def test_unknown_choice_suggests_the_closest_value():
    with pytest.raises(ConfigError, match=r"'activation_fn'.*'tahn'.*Did you mean 'tanh'"):
        validate_config({"activation_fn": "tahn"})
    with pytest.raises(ConfigError, match=r"'calculate_mi_for'.*Did you mean 'training'"):
        validate_config({"calculate_mi_for": "train"})


def test_unknown_plugin_suggests_the_closest_plugin():
    with pytest.raises(ConfigError, match=r"'dataset'.*No dataset plug-in named 'datasets.harmonic'.*"
                                          r"Did you mean 'datasets.harmonics'"):
        validate_config({"dataset": "datasets.harmonic"})
    with pytest.raises(ConfigError, match=r"'plotters'.*plotter.informationplan'.*plotter.informationplane"):
        validate_config({"plotters": [["plotter.informationplan", {}]]})


def test_plugin_arguments_are_checked_before_training():
    with pytest.raises(ConfigError, match=r"'callbacks'.*cannot be loaded with \['threshold'\]"):
        validate_config({"callbacks": [["callbacks.early_stopping_manual", {"threshold": 0.9}]]})


def test_plugin_lists_accept_the_original_forms():
    settings = validate_config({
        "callbacks": ["callbacks.early_stopping_manual"],
        "plotters": [["plotter.informationplane", []]],
    })
    assert settings["callbacks"] == [["callbacks.early_stopping_manual", {}]]
    assert settings["plotters"] == [["plotter.informationplane", {}]]


def test_old_regularization_key_warns_but_runs():
    with pytest.warns(ConfigWarning, match="regularization"):
        settings = validate_config({"regularization": False, "epochs": 3})
    assert "regularization" not in settings and settings["epochs"] == 3


def test_checking_a_config_imports_neither_jax_keras_nor_numba(python, project_root):
    import subprocess

    code = ("import sys; from deep_bottleneck.config import default_config, validate_config; "
            "validate_config(default_config()); print(sorted({'jax', 'keras', 'numba', 'tensorflow'} & set(sys.modules)))")
    done = subprocess.run([python, "-c", code], cwd=project_root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_model_plugin_declares_the_optimizers_and_activations_it_accepts():
    with pytest.raises(ConfigError, match=r"'optimizer' has the unknown value 'adamw'.*Valid values: sgd, adam"):
        validate_config({"optimizer": "adamw"})
    settings = validate_config({"model": "tests.models.declaring_model", "optimizer": "rmsprop",
                                "activation_fn": "gelu"})
    assert (settings["optimizer"], settings["activation_fn"]) == ("rmsprop", "gelu")
    with pytest.raises(ConfigError, match=r"'activation_fn' has the unknown value 'tanh'.*Valid values: gelu"):
        validate_config({"model": "tests.models.declaring_model", "optimizer": "rmsprop", "activation_fn": "tanh"})


def test_a_model_gets_only_the_settings_it_has_parameters_for_and_is_refused_a_changed_one_it_lacks():
    from deep_bottleneck.config import model_arguments

    settings = validate_config({"model": "tests.models.settings_free_model"})
    assert set(model_arguments(settings, 12, 2)) == {"architecture", "activation_fn", "optimizer", "learning_rate",
                                                     "input_size", "output_size"}
    with pytest.raises(ConfigError, match=r"'model_args'.*max_norm_weights"):
        validate_config({"model": "tests.models.settings_free_model", "max_norm_weights": 3.0})
