import numpy as np
import pytest

import keras

from deep_bottleneck import plugins
from deep_bottleneck.config import model_arguments, validate_config
from deep_bottleneck.datasets import digits
from deep_bottleneck.models import conv
from deep_bottleneck.training import train


def test_seed_003s_network_on_14x14_images():
    model = conv.load([10], "relu", "adam", 0.001, 196, 10, filters=1, kernel_size=4, pool_size=3)
    assert model.get_layer("image").output.shape[1:] == (14, 14, 1)
    assert model.get_layer("conv").output.shape[1:] == (11, 11, 1)
    assert model.get_layer("flatten").output.shape[1:] == (9,)
    assert [model.get_layer(name).units for name in ("layer_0", "layer_1")] == [10, 10]


def test_the_network_sees_each_row_as_its_image():
    keras.utils.set_random_seed(0)
    model = conv.load([5], "linear", "adam", 0.001, 64, 10, filters=1, kernel_size=2, pool_size=1)
    kernel = np.zeros((2, 2, 1, 1), dtype="float32")
    kernel[1, 0, 0, 0] = 1.0  # picks the pixel one row down
    model.get_layer("conv").set_weights([kernel, np.zeros(1, dtype="float32")])
    rows = np.arange(2 * 64, dtype="float32").reshape(2, 64)
    output = np.asarray(keras.Model(model.input, model.get_layer("conv").output)(rows))
    np.testing.assert_array_equal(output[..., 0], rows.reshape(2, 8, 8)[:, 1:, :7])


def test_accepts_every_argument_the_experiment_passes_and_trains():
    settings = validate_config({"model": "models.conv", "architecture": [16], "dataset": "datasets.digits",
                                "model_args": {"filters": 2, "kernel_size": 3, "pool_size": 2},
                                "max_norm_weights": 3.0, "learning_rate": 0.01})
    keras.utils.set_random_seed(0)
    model = plugins.load_plugin("model", "models.conv", **model_arguments(settings, 64, 10))
    training, test = digits.load()
    train(model, training, test, 15, 64, [], seed=0)
    accuracy = np.mean(np.asarray(model.predict_on_batch(test.X)).argmax(axis=1) == test.y)
    assert accuracy > 0.5


@pytest.mark.parametrize("arguments, message", [
    ({"input_size": 60}, "not a square image"),
    ({"image_shape": [8, 4, 1]}, "must be \\[height, width, channels\\] with 64 values"),
    ({"kernel_size": 9}, "the kernel at most the image"),
])
def test_shapes_that_cannot_work_are_rejected(arguments, message):
    given = {"architecture": [4], "activation_fn": "relu", "optimizer": "adam", "learning_rate": 0.01,
             "input_size": 64, "output_size": 10, **arguments}
    with pytest.raises(ValueError, match=message):
        conv.load(**given)
