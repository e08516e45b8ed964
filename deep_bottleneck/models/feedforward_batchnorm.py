"""The fully connected network of ``models.feedforward`` with batch normalisation after each hidden layer.

Each hidden Dense layer ``layer_<k>`` (with its activation) is followed by ``layer_<k>_batchnorm``; the softmax
readout follows the last of them. Both kinds of layer are recorded, the batch norm's output after normalisation.
"""

from __future__ import annotations

from typing import Sequence

import keras

from deep_bottleneck.models import feedforward
from deep_bottleneck.models.feedforward import compiled_classifier, dense_layer

#: Accepted as by ``models.feedforward``.
ACTIVATION_FUNCTIONS = feedforward.ACTIVATION_FUNCTIONS
OPTIMIZERS = feedforward.OPTIMIZERS


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
        activation_fn: Activation of the hidden layers (see ``models.feedforward``).
        optimizer: ``"sgd"`` or ``"adam"``.
        learning_rate: Learning rate of the optimizer.
        input_size: Number of input features.
        output_size: Number of classes.
        max_norm_weights: If a number, each unit's incoming weight vector is constrained to this norm.
        initial_bias: Constant every Dense bias starts at.

    Returns:
        A compiled model with layers ``layer_0``, ``layer_0_batchnorm``, ..., ``layer_K`` (the readout).
    """
    inputs = keras.Input(shape=(input_size,), name="input")
    outputs = inputs
    fan_in = input_size
    for index, width in enumerate(architecture):
        outputs = dense_layer(width, fan_in, activation_fn, initial_bias, max_norm_weights, f"layer_{index}")(outputs)
        outputs = keras.layers.BatchNormalization(name=f"layer_{index}_batchnorm")(outputs)
        fan_in = width
    outputs = dense_layer(output_size, fan_in, "softmax", initial_bias, max_norm_weights,
                          f"layer_{len(architecture)}")(outputs)
    return compiled_classifier(keras.Model(inputs, outputs, name="feedforward_batchnorm"), optimizer, learning_rate)
