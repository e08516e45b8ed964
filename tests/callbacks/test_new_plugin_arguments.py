"""Mistakes in the arguments of the projector, the information criterion and the new plotters stop a run before
training, in one line naming the argument."""

import pytest

from deep_bottleneck.config import validate_config
from deep_bottleneck.errors import ConfigError


@pytest.mark.parametrize("key, entry, message", [
    ("callbacks", ["callbacks.activityprojector", {"evry": 5}], r"'evry'.*Did you mean 'every'"),
    ("callbacks", ["callbacks.activityprojector", {"every": 0}], "every must be a positive integer"),
    ("callbacks", ["callbacks.early_stopping_information", {"patience": 0}], "patience must be a positive"),
    ("callbacks", ["callbacks.early_stopping_information", {"tolerance": -1}], "tolerance must be a number >= 0"),
    ("callbacks", ["callbacks.early_stopping_informaton", {}], "Did you mean 'callbacks.early_stopping_information'"),
    ("plotters", ["plotter.activations_single_neuron", {"max_units": 0}], "max_units must be a positive integer"),
    ("plotters", ["plotter.activations", {"colormap": "viridiss"}], "Did you mean 'viridis'"),
    ("plotters", ["plotter.snr", {"bins": 3}], r"cannot be loaded with \['bins'\]"),
])
def test_bad_arguments_are_rejected_before_training(key, entry, message):
    with pytest.raises(ConfigError, match=message):
        validate_config({key: [entry]})
