import numpy as np

import keras

from deep_bottleneck.callbacks.early_stopping_manual import load as early_stopping
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.models import feedforward
from deep_bottleneck.training import train


class LogRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append((epoch, dict(logs)))


def fit(epochs, callbacks, seed=0):
    keras.utils.set_random_seed(seed)
    model = feedforward.load([10, 7, 5, 4, 3], "tanh", "adam", 0.01, 12, 2)
    training, test = harmonics.load()
    train(model, training, test, epochs, 256, callbacks, seed)
    return model


def test_callbacks_get_training_and_validation_metrics_every_epoch():
    recorder = LogRecorder()
    fit(25, [recorder])
    assert [epoch for epoch, _ in recorder.logs] == list(range(25))
    first, last = recorder.logs[0][1], recorder.logs[-1][1]
    assert set(first) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert last["loss"] < first["loss"] and last["val_accuracy"] > 0.6


def test_reported_validation_metrics_match_the_trained_model():
    recorder = LogRecorder()
    model = fit(3, [recorder])
    _, test = harmonics.load()
    probabilities = np.asarray(model.predict_on_batch(test.X))
    accuracy = np.mean(probabilities.argmax(axis=1) == test.y)
    assert abs(recorder.logs[-1][1]["val_accuracy"] - accuracy) < 1e-6


def test_same_seed_gives_identical_weights():
    first, second = fit(3, []), fit(3, [])
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_callback_can_stop_training():
    recorder = LogRecorder()
    fit(200, [early_stopping(monitor="val_acc", value=0.5), recorder])
    assert len(recorder.logs) < 200
    assert recorder.logs[-1][1]["val_accuracy"] >= 0.5
