import numpy as np

import keras

from deep_bottleneck.datasets import harmonics
from deep_bottleneck.models import feedforward
from deep_bottleneck.training import train


def build(**overrides):
    arguments = dict(architecture=[10, 7, 5, 4, 3], activation_fn="tanh", optimizer="adam",
                     learning_rate=0.0004, input_size=12, output_size=2)
    arguments.update(overrides)
    return feedforward.load(**arguments)


def test_layers_follow_the_architecture_with_a_softmax_readout():
    model = build()
    dense = [layer for layer in model.layers if hasattr(layer, "kernel")]
    assert [layer.name for layer in dense] == [f"layer_{i}" for i in range(6)]
    assert [layer.units for layer in dense] == [10, 7, 5, 4, 3, 2]
    probabilities = np.asarray(model.predict_on_batch(np.eye(12, dtype="float32")))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_initial_bias_and_truncated_normal_weights():
    keras.utils.set_random_seed(0)
    model = build(initial_bias=0.5, architecture=[400])
    first = model.get_layer("layer_0")
    np.testing.assert_array_equal(np.asarray(first.bias), 0.5)
    kernel = np.asarray(first.kernel)
    assert np.abs(kernel).max() <= 2 / np.sqrt(12) + 1e-6
    assert 0.15 < np.std(kernel) < 0.29


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
#: Each activation function by its textbook definition (Keras 3's for hard_sigmoid and leaky_relu).
KNOWN_FUNCTIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softsign": lambda z: z / (1 + np.abs(z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z),
    "hard_sigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1),
    "selu": lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(z)),
    "relu6": lambda z: np.clip(z, 0, 6),
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    "linear": lambda z: z,
}


def test_every_activation_function_is_the_one_it_is_named_after():
    assert set(KNOWN_FUNCTIONS) == set(feedforward.ACTIVATION_FUNCTIONS)
    pre_activation = np.linspace(-8, 8, 65, dtype="float32")
    inputs = np.zeros((len(pre_activation), 12), dtype="float32")
    inputs[:, 0] = pre_activation
    kernel = np.zeros((12, 3), dtype="float32")
    kernel[0] = [1.0, 0.5, -2.0]
    bias = np.array([0.0, 0.25, 0.0], dtype="float32")
    for name, function in KNOWN_FUNCTIONS.items():
        model = build(activation_fn=name, architecture=[3])
        hidden = model.get_layer("layer_0")
        hidden.set_weights([kernel, bias])
        output = np.asarray(keras.Model(model.input, hidden.output)(inputs))
        np.testing.assert_allclose(output, function(inputs @ kernel + bias), rtol=1e-5, atol=1e-6, err_msg=name)


def test_max_norm_constraint_holds_after_training():
    keras.utils.set_random_seed(0)
    model = build(max_norm_weights=0.3, optimizer="sgd", learning_rate=0.5)
    training, test = harmonics.load()
    train(model, training, test, epochs=3, batch_size=256, callbacks=[], seed=0)
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            assert np.linalg.norm(np.asarray(layer.kernel), axis=0).max() <= 0.3 + 1e-5
