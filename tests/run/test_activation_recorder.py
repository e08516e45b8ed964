"""Every layer with weights is recorded, with its name, flattened (conv) or after normalisation (batch norm)."""

import keras
import numpy as np

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.datasets import digits
from deep_bottleneck.models import conv, feedforward, feedforward_batchnorm
from deep_bottleneck.run.activation_recorder import ActivationRecorder
from deep_bottleneck.training import train


def record(model, split, path, epochs=2):
    recorder = ActivationRecorder(split, "test", [epochs - 1], path)
    train(model, split, split, epochs, 128, [recorder], seed=0)
    return ActivationFile(path)


def test_conv_outputs_are_recorded_flattened(tmp_path):
    keras.utils.set_random_seed(0)
    model = conv.load([12], "relu", "adam", 0.01, 64, 10, filters=3, kernel_size=3, pool_size=2)
    _, test = digits.load()
    with record(model, test, tmp_path / "a.h5") as store:
        assert store.layer_names == ["conv", "layer_0", "layer_1"]
        assert store.layer("conv").shape == (1, 359, 6 * 6 * 3)
        conv_output = np.asarray(keras.Model(model.input, model.get_layer("conv").output)(test.X))
        np.testing.assert_allclose(store.layer("conv")[0], conv_output.reshape(359, -1), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(store.layer("layer_1")[0], np.asarray(model.predict_on_batch(test.X)),
                                   rtol=1e-5, atol=1e-7)


def test_batch_norm_is_recorded_after_normalisation_with_the_moving_statistics(tmp_path):
    keras.utils.set_random_seed(0)
    model = feedforward_batchnorm.load([16, 8], "tanh", "adam", 0.01, 64, 10)
    _, test = digits.load()
    with record(model, test, tmp_path / "b.h5") as store:
        assert store.layer_names == ["layer_0", "layer_0_batchnorm", "layer_1", "layer_1_batchnorm", "layer_2"]
        assert [store.layer(name).shape[2] for name in store.layer_names] == [16, 16, 8, 8, 10]
        norm = model.get_layer("layer_0_batchnorm")
        gamma, beta, mean, variance = (np.asarray(w) for w in norm.weights)
        expected = gamma * (store.layer("layer_0")[0] - mean) / np.sqrt(variance + norm.epsilon) + beta
        np.testing.assert_allclose(store.layer("layer_0_batchnorm")[0], expected, rtol=1e-4, atol=1e-5)


def test_recording_in_chunks_equals_one_pass(tmp_path, monkeypatch):
    from deep_bottleneck import layer_outputs
    from deep_bottleneck.models import base as model_contract

    keras.utils.set_random_seed(0)
    model = feedforward.load([7, 5], "tanh", "adam", 0.01, 64, 10)
    _, test = digits.load()
    extractor = keras.Model(model.inputs, [layer.output for layer in model_contract.recorded_layers(model)])
    whole = model_contract.layer_activations(extractor, test.X)
    monkeypatch.setattr(layer_outputs, "ROWS_PER_BATCH", 100)
    for a, b in zip(whole, model_contract.layer_activations(extractor, test.X)):
        # float32 matrix products of other batch sizes may differ in the last bits (values near 0 included).
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_weights_are_stored_at_every_snapshot_and_a_weights_only_file_recomputes_the_activations(tmp_path):
    keras.utils.set_random_seed(0)
    model = feedforward.load([7, 5], "tanh", "adam", 0.01, 64, 10)
    _, test = digits.load()
    both = ActivationRecorder(test, "test", [0, 2, 3], tmp_path / "both.h5")
    weights_only = ActivationRecorder(test, "test", [0, 2, 3], tmp_path / "weights.h5", store_activations=False)
    train(model, test, test, 4, 128, [both, weights_only], seed=0)
    with ActivationFile(tmp_path / "both.h5") as stored, ActivationFile(tmp_path / "weights.h5") as recomputed:
        assert stored.activations_stored and not recomputed.activations_stored
        assert "layers" not in recomputed._file
        for layer in model.layers[1:]:
            assert set(stored.weights(layer.name)) == {"kernel", "bias"}
            for weight in layer.weights:
                np.testing.assert_array_equal(stored.weights(layer.name)[weight.name][-1], np.asarray(weight.value))
                np.testing.assert_array_equal(recomputed.weights(layer.name)[weight.name][:],
                                              stored.weights(layer.name)[weight.name][:])
        for name in stored.layer_names:
            layer, dataset = recomputed.layer(name), stored.layer(name)
            assert layer.shape == dataset.shape == (3, 359, dataset.shape[2])
            for key in (1, slice(0, 2), [0, 2], (slice(None), slice(0, 5)), (2, slice(None), 0)):
                np.testing.assert_allclose(layer[key], dataset[key], rtol=0, atol=1e-6)
            np.testing.assert_allclose(np.asarray(layer), dataset[:], rtol=0, atol=1e-6)
