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


def test_every_activation_function_builds():
    for name in feedforward.ACTIVATION_FUNCTIONS:
        assert build(activation_fn=name, architecture=[3]).get_layer("layer_0").activation.__name__


def test_max_norm_constraint_holds_after_training():
    keras.utils.set_random_seed(0)
    model = build(max_norm_weights=0.3, optimizer="sgd", learning_rate=0.5)
    training, test = harmonics.load()
    train(model, training, test, epochs=3, batch_size=256, callbacks=[], seed=0)
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            assert np.linalg.norm(np.asarray(layer.kernel), axis=0).max() <= 0.3 + 1e-5
