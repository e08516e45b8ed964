"""A small convolutional network (as in the "extended MI estimator" study): convolution, max pooling, then Dense layers and a softmax readout.

The data sets hand over flattened rows; the network's first layer turns each back into its image (``image_shape``,
by default a square single-channel image of ``input_size`` pixels: 784 -> 28x28, 196 -> 14x14, 64 -> 8x8).
Recorded layers: ``conv`` (its output flattened), the hidden Dense layers ``layer_0`` ... and the readout.
"""

from __future__ import annotations

import math
from typing import Sequence

import keras

from deep_bottleneck.models import feedforward
from deep_bottleneck.models.feedforward import compiled_classifier, dense_layer

#: Accepted as by ``models.feedforward``.
ACTIVATION_FUNCTIONS = feedforward.ACTIVATION_FUNCTIONS
OPTIMIZERS = feedforward.OPTIMIZERS


def square_image_shape(input_size: int) -> tuple[int, int, int]:
    """``(side, side, 1)`` for ``input_size == side ** 2``."""
    side = math.isqrt(input_size)
    if side * side != input_size:
        raise ValueError(
            f"{input_size} inputs are not a square image; give the model image_shape, e.g. [height, width, channels]"
        )
    return side, side, 1


def load(
    architecture: Sequence[int],
    activation_fn: str,
    optimizer: str,
    learning_rate: float,
    input_size: int,
    output_size: int,
    max_norm_weights: float | bool = False,
    initial_bias: float = 0.0,
    filters: int = 4,
    kernel_size: int = 4,
    pool_size: int = 3,
    image_shape: Sequence[int] | None = None,
) -> keras.Model:
    """Build and compile the network.

    Args:
        architecture: Width of each Dense hidden layer after the pooling; a softmax readout is added.
        activation_fn: Activation of the convolution and the Dense hidden layers.
        optimizer: ``"sgd"`` or ``"adam"``.
        learning_rate: Learning rate of the optimizer.
        input_size: Number of input features (pixels times channels).
        output_size: Number of classes.
        max_norm_weights: If a number, each unit's incoming weight vector is constrained to this norm.
        initial_bias: Constant every bias starts at.
        filters: Convolution filters (the study: 1).
        kernel_size: Side of the square convolution kernel (the study: 4).
        pool_size: Side of the square max-pooling window, also its stride (the study: 3).
        image_shape: ``[height, width, channels]`` of an input; default a square single-channel image.

    Returns:
        A compiled model with layers ``conv``, ``layer_0`` ... ``layer_K`` (the readout) among others.
    """
    shape = tuple(image_shape) if image_shape is not None else square_image_shape(input_size)
    if len(shape) != 3 or math.prod(shape) != input_size:
        raise ValueError(f"image_shape {list(shape)} must be [height, width, channels] with {input_size} values")
    if min(filters, kernel_size, pool_size) < 1 or kernel_size > min(shape[:2]):
        raise ValueError(f"filters, kernel_size and pool_size must be positive, the kernel at most the image: "
                         f"got {filters}, {kernel_size}, {pool_size} for {list(shape)}")
    constraint = keras.constraints.MaxNorm(max_norm_weights) if max_norm_weights else None
    inputs = keras.Input(shape=(input_size,), name="input")
    images = keras.layers.Reshape(shape, name="image")(inputs)
    convolved = keras.layers.Conv2D(
        filters, kernel_size, activation=activation_fn, name="conv",
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=1.0 / math.sqrt(kernel_size ** 2 * shape[2])),
        bias_initializer=keras.initializers.Constant(initial_bias), kernel_constraint=constraint,
    )(images)
    pooled = keras.layers.MaxPooling2D(pool_size, name="pool")(convolved)
    outputs = keras.layers.Flatten(name="flatten")(pooled)
    fan_in = outputs.shape[-1]
    widths = list(architecture) + [output_size]
    for index, width in enumerate(widths):
        activation = "softmax" if index == len(widths) - 1 else activation_fn
        outputs = dense_layer(width, fan_in, activation, initial_bias, max_norm_weights, f"layer_{index}")(outputs)
        fan_in = width
    return compiled_classifier(keras.Model(inputs, outputs, name="conv"), optimizer, learning_rate)
