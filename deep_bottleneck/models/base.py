"""The contract of model plug-ins, and which layers of a model are recorded.

A model plug-in is a module with ``load(...) -> keras.Model`` returning a compiled classifier. ``load`` receives
the experiment's ``architecture``, ``activation_fn``, ``optimizer``, ``learning_rate``, ``max_norm_weights`` and
``initial_bias`` (where it has parameters of those names), ``input_size`` and ``output_size`` (the data's shape),
and the config's ``model_args``. A plug-in declares the values it accepts for ``activation_fn`` and ``optimizer`` as
module attributes ``ACTIVATION_FUNCTIONS`` and ``OPTIMIZERS`` (sequences of names); a config naming another value
stops before any training. A plug-in without them accepts any value its ``load`` accepts.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from deep_bottleneck.layer_outputs import ROWS_PER_BATCH, layer_activations

__all__ = ["ROWS_PER_BATCH", "layer_activations", "recorded_layers", "recorded_width"]

if TYPE_CHECKING:
    import keras


def recorded_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers whose activations are recorded: every layer with weights (Dense, Conv, BatchNormalization)."""
    return [layer for layer in model.layers if layer.weights]


def recorded_width(layer: keras.layers.Layer) -> int:
    """Values per row a layer's output has once flattened."""
    return math.prod(layer.output.shape[1:])
