import numpy as np
import pytest

import keras

from deep_bottleneck import plugins
from deep_bottleneck.config import model_arguments, validate_config
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.models import feedforward_batchnorm
from deep_bottleneck.training import train


def test_accepts_every_argument_the_experiment_passes():
    settings = validate_config({"model": "models.feedforward_batchnorm", "architecture": [6, 4],
                                "max_norm_weights": 2.0, "initial_bias": 0.1})
    model = plugins.load_plugin("model", "models.feedforward_batchnorm", **model_arguments(settings, 12, 2))
    assert [layer.name for layer in model.layers[1:]] == [
        "layer_0", "layer_0_batchnorm", "layer_1", "layer_1_batchnorm", "layer_2"]
    assert isinstance(model.get_layer("layer_0_batchnorm"), keras.layers.BatchNormalization)
    np.testing.assert_allclose(np.asarray(model.get_layer("layer_1").bias), 0.1)


def test_training_updates_the_moving_statistics_as_keras_fit_does():
    """``train`` runs its own loop on JAX; the batch norm's non-trainable moving mean and variance must follow
    as in ``Model.fit`` (one batch per epoch, so the order of rows cannot matter)."""
    training, test = harmonics.load()

    def trained(fitter):
        keras.utils.set_random_seed(0)
        model = feedforward_batchnorm.load([10, 7], "tanh", "adam", 0.01, 12, 2)
        if fitter == "train":
            train(model, training, test, 4, 4096, [], seed=0)
        else:
            model.fit(training.X, training.Y, batch_size=4096, epochs=4, verbose=0, shuffle=False)
        return model

    ours, keras_fit = trained("train"), trained("fit")
    moving_mean = np.asarray(ours.get_layer("layer_0_batchnorm").moving_mean)
    assert np.abs(moving_mean).max() > 0.01, "the moving mean left its initial zeros"
    for a, b in zip(ours.weights, keras_fit.weights):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6, err_msg=a.path)


@pytest.mark.parametrize("activation_fn", ["tanh", "relu"])
def test_the_batch_norm_output_is_normalised_in_training_mode(activation_fn):
    keras.utils.set_random_seed(0)
    model = feedforward_batchnorm.load([8], activation_fn, "adam", 0.01, 12, 2)
    normalised = keras.Model(model.input, model.get_layer("layer_0_batchnorm").output)
    training, _ = harmonics.load()
    output = np.asarray(normalised(training.X, training=True))
    dense = np.asarray(keras.Model(model.input, model.get_layer("layer_0").output)(training.X), dtype=np.float64)
    epsilon = model.get_layer("layer_0_batchnorm").epsilon
    expected = (dense - dense.mean(axis=0)) / np.sqrt(dense.var(axis=0) + epsilon)
    np.testing.assert_allclose(output, expected, rtol=1e-3, atol=1e-4)
    assert np.abs(output.mean(axis=0)).max() < 1e-4
