"""A fully connected network: Dense layers from ``architecture`` and a softmax readout.

Keras is imported when a model is built, so that checking a config does not load it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import keras

ACTIVATION_FUNCTIONS = (
    "tanh", "relu", "sigmoid", "softsign", "softplus", "leaky_relu",
    "hard_sigmoid", "selu", "relu6", "elu", "linear",
)
OPTIMIZERS = ("sgd", "adam")
_OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam"}


def dense_layer(
    units: int, fan_in: int, activation: str, initial_bias: float,
    max_norm_weights: float | bool, name: str,
) -> keras.layers.Dense:
    """A Dense layer with truncated-normal weights of stddev 1/sqrt(fan_in) and a constant bias."""
    import keras

    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=keras.initializers.TruncatedNormal(mean=0.0, stddev=1.0 / math.sqrt(fan_in)),
        bias_initializer=keras.initializers.Constant(initial_bias),
        kernel_constraint=keras.constraints.MaxNorm(max_norm_weights) if max_norm_weights else None,
        name=name,
    )


def load(
    architecture: Sequence[int],
    activation_fn: str,
    optimizer: str,
    learning_rate: float,
    input_size: int,
    output_size: int,
    max_norm_weights: float | bool = False,
    initial_bias: float = 0.0,
) -> keras.Model:
    """Build and compile the network.

    Args:
        architecture: Width of each hidden layer; a softmax readout of ``output_size`` is added.
        activation_fn: One of ``ACTIVATION_FUNCTIONS`` for the hidden layers.
        optimizer: ``"sgd"`` or ``"adam"``.
        learning_rate: Learning rate of the optimizer.
        input_size: Number of input features.
        output_size: Number of classes.
        max_norm_weights: If a number, each unit's incoming weight vector is constrained to this norm.
        initial_bias: Constant every bias starts at.

    Returns:
        A compiled model whose layers are named ``layer_0`` ... ``layer_K`` (the last is the readout).
    """
    import keras

    inputs = keras.Input(shape=(input_size,), name="input")
    outputs = inputs
    fan_in = input_size
    widths = list(architecture) + [output_size]
    for index, width in enumerate(widths):
        is_readout = index == len(widths) - 1
        outputs = dense_layer(
            width, fan_in, "softmax" if is_readout else activation_fn,
            initial_bias, max_norm_weights, name=f"layer_{index}",
        )(outputs)
        fan_in = width
    return compiled_classifier(keras.Model(inputs, outputs, name="feedforward"), optimizer, learning_rate)


def compiled_classifier(model: keras.Model, optimizer: str, learning_rate: float) -> keras.Model:
    """``model`` compiled with cross-entropy loss, accuracy and the named optimizer."""
    import keras

    model.compile(
        optimizer=getattr(keras.optimizers, _OPTIMIZER_CLASSES[optimizer])(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
