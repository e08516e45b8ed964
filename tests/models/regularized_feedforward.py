"""A user's model plug-in for the tests: the built-in feedforward net with losses of its own.

Loaded like any user plug-in, by its import path (``tests.models.regularized_feedforward``).
"""

from __future__ import annotations

from typing import Any

import keras

from deep_bottleneck.models import feedforward


class PenalizeSquares(keras.layers.Layer):
    """Passes its input through and adds ``weight * mean(input ** 2)`` with ``add_loss``."""

    def __init__(self, weight: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.weight = weight

    def call(self, inputs):
        self.add_loss(self.weight * keras.ops.mean(keras.ops.square(inputs)))
        return inputs


def load(kernel_l2: float = 0.0, activity_l2: float = 0.0, square_penalty: float = 0.0,
         **network: Any) -> keras.Model:
    """``models.feedforward`` built from ``network``, with its initial weights, plus (each where its
    weight is not 0) an L2 kernel regularizer on every layer, an L2 activity regularizer on the hidden
    layers and ``PenalizeSquares`` after each hidden layer.
    """
    plain = feedforward.load(**network)
    readout = plain.layers[-1].name

    def regularized(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if kernel_l2:
            config["kernel_regularizer"] = keras.regularizers.L2(kernel_l2)
        if activity_l2 and layer.name != readout:
            config["activity_regularizer"] = keras.regularizers.L2(activity_l2)
        return layer.__class__.from_config(config)

    def call(layer: keras.layers.Layer, *args: Any, **kwargs: Any):
        outputs = layer(*args, **kwargs)
        if square_penalty and layer.name != readout:
            outputs = PenalizeSquares(square_penalty, name=f"penalty_{layer.name}")(outputs)
        return outputs

    model = keras.models.clone_model(plain, clone_function=regularized, call_function=call)
    model.set_weights(plain.get_weights())
    model.compile(optimizer=plain.optimizer.from_config(plain.optimizer.get_config()),
                  loss=plain.loss, metrics=["accuracy"])
    return model
