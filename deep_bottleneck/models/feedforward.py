"""A fully connected network: Dense layers from ``architecture`` and a softmax readout; with ``quantise_bits``
the hidden layers' activations are quantised during training and recording (Lorenzen, Igel & Nielsen 2022).

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
    max_norm_weights: float | bool, name: str, quantise_bits: int | None = None,
    quantise_range: Sequence[float] | None = None,
) -> keras.layers.Dense:
    """A Dense layer with truncated-normal weights of stddev 1/sqrt(fan_in) and a constant bias; with
    ``quantise_bits`` its activations are quantised (see ``QuantisedDense``) on ``quantise_range``, by default
    the activation function's range where it is bounded, else a moving range."""
    import keras

    arguments = dict(
        activation=activation,
        kernel_initializer=keras.initializers.TruncatedNormal(mean=0.0, stddev=1.0 / math.sqrt(fan_in)),
        bias_initializer=keras.initializers.Constant(initial_bias),
        kernel_constraint=keras.constraints.MaxNorm(max_norm_weights) if max_norm_weights else None,
        name=name,
    )
    if quantise_bits is None:
        return keras.layers.Dense(units, **arguments)
    from deep_bottleneck.models._quantisation import BOUNDED_RANGES, QuantisedDense

    value_range = quantise_range if quantise_range is not None else BOUNDED_RANGES.get(activation)
    return QuantisedDense(units, quantise_bits, value_range, **arguments)


def check_quantisation(quantise_bits: int | None, quantise_range: Sequence[float] | None) -> None:
    """Raise ValueError for a bit count outside 1..16 or a range that is not [low, high] with low < high."""
    if quantise_bits is not None and not (isinstance(quantise_bits, int) and 1 <= quantise_bits <= 16):
        raise ValueError(f"quantise_bits must be an integer from 1 to 16 (e.g. 8), got {quantise_bits!r}")
    if quantise_range is not None and not (len(quantise_range) == 2 and quantise_range[0] < quantise_range[1]):
        raise ValueError(f"quantise_range must be [low, high] with low < high (e.g. [-1, 1]), got "
                         f"{list(quantise_range)!r}")


def load(
    architecture: Sequence[int],
    activation_fn: str,
    optimizer: str,
    learning_rate: float,
    input_size: int,
    output_size: int,
    max_norm_weights: float | bool = False,
    initial_bias: float = 0.0,
    quantise_bits: int | None = None,
    quantise_range: Sequence[float] | None = None,
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
        quantise_bits: If given, every hidden layer's activations are quantised to this many bits in training
            (straight-through gradient) and recording; the readout is not quantised.
        quantise_range: ``[low, high]`` quantised; by default the activation function's range where it is
            bounded (tanh [-1, 1], sigmoid [0, 1], ...), else the moving average of the batches' minimum and
            maximum.

    Returns:
        A compiled model whose layers are named ``layer_0`` ... ``layer_K`` (the last is the readout).
    """
    check_quantisation(quantise_bits, quantise_range)
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
            quantise_bits=None if is_readout else quantise_bits, quantise_range=quantise_range,
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
