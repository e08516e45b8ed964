"""Gradient statistics come from the minibatches the optimizer stepped on, on the JAX fast path."""

import keras
import numpy as np
import pandas as pd

from deep_bottleneck.datasets import harmonics
from deep_bottleneck.models import feedforward
from deep_bottleneck.run.gradient_statistics import GradientStatisticsRecorder
from deep_bottleneck.training import train


class KernelKeeper(keras.callbacks.Callback):
    """The kernels at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.kernels = {}

    def on_epoch_end(self, epoch, logs=None):
        self.kernels[epoch] = [np.array(layer.kernel.value) for layer in self.model.layers if hasattr(layer, "kernel")]


def fit(callbacks, optimizer="sgd", learning_rate=0.05, epochs=4, seed=1):
    keras.utils.set_random_seed(seed)
    model = feedforward.load([10, 7, 5, 4, 3], "tanh", optimizer, learning_rate, 12, 2)
    training, test = harmonics.load()
    train(model, training, test, epochs, 256, callbacks, seed)
    return model


def test_the_mean_gradient_is_the_mean_of_the_steps_sgd_took(tmp_path):
    """Plain SGD moves each kernel by -lr times the sum of its minibatch gradients, so the mean gradient over
    the epoch's 13 minibatches (12 of 256 rows and the last of 205) is the kernel's change / (lr * 13)."""
    keeper = KernelKeeper()
    recorder = GradientStatisticsRecorder([1, 3], tmp_path / "gradients.csv")
    fit([keeper, recorder])
    statistics = pd.read_csv(tmp_path / "gradients.csv")
    assert statistics["epoch"].unique().tolist() == [1, 3]
    assert (statistics["n_batches"] == 13).all()
    for epoch in (1, 3):
        rows = statistics[statistics["epoch"] == epoch].sort_values("layer")
        assert rows["layer"].tolist() == list(range(6))
        expected = [np.linalg.norm(before - after) / (0.05 * 13)
                    for before, after in zip(keeper.kernels[epoch - 1], keeper.kernels[epoch])]
        np.testing.assert_allclose(rows["mean_norm"], expected, rtol=2e-3)
        np.testing.assert_allclose(rows["weight_norm"], [np.linalg.norm(k) for k in keeper.kernels[epoch]],
                                   rtol=1e-6)
    assert np.isfinite(statistics[["std_norm", "snr"]]).all().all() and (statistics["std_norm"] > 0).all()
    np.testing.assert_allclose(statistics["snr"], statistics["mean_norm"] / statistics["std_norm"])


def test_recording_gradients_leaves_training_bit_for_bit_the_same(tmp_path):
    plain = fit([], optimizer="adam", learning_rate=0.01)
    recorded = fit([GradientStatisticsRecorder(range(4), tmp_path / "g.csv")], optimizer="adam", learning_rate=0.01)
    for a, b in zip(plain.get_weights(), recorded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_run_that_cannot_take_the_fast_path_says_so_instead_of_recording_nothing(tmp_path):
    import pytest

    from deep_bottleneck.errors import DeepBottleneckError

    model = feedforward.load([4], "tanh", "adam", 0.01, 12, 2)
    model.compile(optimizer="adam", loss={"layer_1": "categorical_crossentropy"})  # Keras fits it; no named loss
    training, test = harmonics.load()
    with pytest.raises(DeepBottleneckError, match="Gradient statistics .* JAX backend"):
        train(model, training, test, 1, 256, [GradientStatisticsRecorder([0], tmp_path / "g.csv")], 0)
    assert not (tmp_path / "g.csv").exists()
