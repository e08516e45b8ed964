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

import numpy as np

if TYPE_CHECKING:
    import keras

#: Rows passed through the network at once while recording (bounds the memory of wide conv outputs).
ROWS_PER_BATCH = 8192


def recorded_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers whose activations are recorded: every layer with weights (Dense, Conv, BatchNormalization)."""
    return [layer for layer in model.layers if layer.weights]


def recorded_width(layer: keras.layers.Layer) -> int:
    """Values per row a layer's output has once flattened."""
    return math.prod(layer.output.shape[1:])


def layer_activations(extractor: keras.Model, X: np.ndarray) -> list[np.ndarray]:
    """Each output of ``extractor`` on ``X`` as float32 [N, width], computed ``ROWS_PER_BATCH`` rows at a time."""
    parts = [extractor.predict_on_batch(X[start:start + ROWS_PER_BATCH]) for start in range(0, len(X), ROWS_PER_BATCH)]
    parts = [part if isinstance(part, (list, tuple)) else [part] for part in parts]
    return [np.concatenate([np.asarray(part[k], dtype=np.float32).reshape(len(part[k]), -1) for part in parts])
            for k in range(len(parts[0]))]
