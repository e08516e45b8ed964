"""A user's model plug-in for the tests: the feedforward net with losses of its own.

Loaded like any user plug-in, by its import path (``tests.models.regularized_feedforward``).
"""

from __future__ import annotations

from typing import Sequence

import keras

from deep_bottleneck.models import feedforward


class PenalizeSquares(keras.layers.Layer):
    """Passes its input through and adds ``weight * mean(input ** 2)`` with ``add_loss``."""

    def __init__(self, weight: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weight = weight

    def call(self, inputs):
        self.add_loss(self.weight * keras.ops.mean(keras.ops.square(inputs)))
        return inputs


def load(
    architecture: Sequence[int],
    activation_fn: str,
    optimizer: str,
    learning_rate: float,
    input_size: int,
    output_size: int,
    max_norm_weights: float | bool = False,
    initial_bias: float = 0.0,
    kernel_l2: float = 0.0,
    activity_l2: float = 0.0,
    square_penalty: float = 0.0,
) -> keras.Model:
    """The feedforward net with an L2 kernel regularizer on every layer, an L2 activity regularizer
    on the hidden layers and ``PenalizeSquares`` after each hidden layer (each off when its weight is 0).
    """
    inputs = keras.Input(shape=(input_size,), name="input")
    outputs = inputs
    fan_in = input_size
    widths = list(architecture) + [output_size]
    for index, width in enumerate(widths):
        is_readout = index == len(widths) - 1
        layer = feedforward.dense_layer(
            width, fan_in, "softmax" if is_readout else activation_fn,
            initial_bias, max_norm_weights, name=f"layer_{index}",
        )
        if kernel_l2:
            layer.kernel_regularizer = keras.regularizers.L2(kernel_l2)
        if activity_l2 and not is_readout:
            layer.activity_regularizer = keras.regularizers.L2(activity_l2)
        outputs = layer(outputs)
        if square_penalty and not is_readout:
            outputs = PenalizeSquares(square_penalty, name=f"penalty_{index}")(outputs)
        fan_in = width
    model = keras.Model(inputs, outputs, name="regularized_feedforward")
    model.compile(
        optimizer=feedforward.OPTIMIZERS[optimizer](learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
