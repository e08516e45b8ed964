"""Quantisation-aware Dense layers (Lorenzen, Igel & Nielsen, ICLR 2022): each unit's activation is rounded to
one of 2**k equally spaced levels on a range, in the forward pass exactly, with a straight-through gradient.

Written with ``keras.ops`` only, so it trains on every Keras 3 backend.
"""

from __future__ import annotations

import keras
from keras import ops

#: Activation functions whose outputs lie in a known range: that range is quantised. Others get a moving range.
BOUNDED_RANGES = {
    "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0),
    "relu6": (0.0, 6.0),
}


def quantise(values, low, high, bits: int):
    """``values`` clipped to [low, high] and rounded to the nearest of 2**bits equally spaced levels there.

    The forward value is exactly a level ``low + i * (high - low) / (2**bits - 1)``; the gradient is the
    clipping's (1 inside the range, 0 outside): the straight-through estimator."""
    step = (high - low) / (2**bits - 1)
    clipped = ops.clip(values, low, high)
    levels = ops.stop_gradient(low + ops.round((clipped - low) / step) * step)
    # clipped - stop_gradient(clipped) is exactly 0 forwards and carries the gradient of clip backwards.
    return levels + (clipped - ops.stop_gradient(clipped))


@keras.saving.register_keras_serializable(package="deep_bottleneck")
class QuantisedDense(keras.layers.Dense):
    """A Dense layer whose activations are quantised to ``bits`` bits.

    Args:
        bits: Bits per activation (2**bits levels).
        value_range: ``(low, high)`` quantised, or None for a moving range: the exponential moving average
            (``range_decay``) of each training batch's minimum and maximum, started at the first batch's.
        range_decay: Decay of the moving range.
        **kwargs: Arguments of ``keras.layers.Dense``.
    """

    def __init__(self, units: int, bits: int, value_range: tuple[float, float] | None = None,
                 range_decay: float = 0.99, **kwargs) -> None:
        super().__init__(units, **kwargs)
        self.bits = int(bits)
        self.value_range = None if value_range is None else (float(value_range[0]), float(value_range[1]))
        self.range_decay = float(range_decay)

    def build(self, input_shape) -> None:
        super().build(input_shape)
        if self.value_range is None:
            self.range_low = self.add_weight(shape=(), initializer="zeros", trainable=False, name="range_low")
            self.range_high = self.add_weight(shape=(), initializer="ones", trainable=False, name="range_high")
            self.range_started = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                                 name="range_started")

    def call(self, inputs, training=None):
        outputs = super().call(inputs, training=training)
        if self.value_range is not None:
            return quantise(outputs, *self.value_range, self.bits)
        if training:
            batch_low = ops.stop_gradient(ops.min(outputs))
            batch_high = ops.stop_gradient(ops.max(outputs))
            started = self.range_started > 0
            decay = self.range_decay
            self.range_low.assign(ops.where(started, decay * self.range_low + (1 - decay) * batch_low, batch_low))
            self.range_high.assign(ops.where(started, decay * self.range_high + (1 - decay) * batch_high,
                                             batch_high))
            self.range_started.assign(ops.ones(()))
        low = ops.stop_gradient(ops.convert_to_tensor(self.range_low))
        high = ops.stop_gradient(ops.maximum(ops.convert_to_tensor(self.range_high), low + 1e-6))
        return quantise(outputs, low, high, self.bits)

    def get_config(self) -> dict:
        return {**super().get_config(), "bits": self.bits, "value_range": self.value_range,
                "range_decay": self.range_decay}
