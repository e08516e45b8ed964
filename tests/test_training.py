import numpy as np
import pytest

import keras

from deep_bottleneck import plugins
from deep_bottleneck.callbacks.early_stopping_manual import load as early_stopping
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.models import feedforward
from deep_bottleneck.training import LOG_KEYS, train

REGULARIZED_PLUGIN = "tests.models.regularized_feedforward"


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


def test_a_callback_stops_training_at_the_first_epoch_its_metric_crosses():
    threshold, first_epochs_below = 0.92, 5
    recorder = LogRecorder()
    fit(200, [early_stopping(monitor="val_acc", value=threshold), recorder])
    accuracies = [logs["val_accuracy"] for _, logs in recorder.logs]
    assert accuracies[-1] >= threshold, "training ran all epochs without reaching the threshold"
    assert len(accuracies) > first_epochs_below
    assert all(accuracy < threshold for accuracy in accuracies[:-1])


def fit_regularized(fitter, epochs, batch_size, **losses):
    """Train the regularized user plug-in with ``fitter`` ("train" or "keras_fit"); its weights and logs."""
    keras.utils.set_random_seed(0)
    model = plugins.load_plugin(
        "model", REGULARIZED_PLUGIN, architecture=[10, 7, 5, 4, 3], activation_fn="tanh", optimizer="adam",
        learning_rate=0.01, input_size=12, output_size=2, **losses)
    training, test = harmonics.load()
    recorder = LogRecorder()
    if fitter == "train":
        train(model, training, test, epochs, batch_size, [recorder], seed=0)
    else:
        model.fit(training.X, training.Y, batch_size=batch_size, epochs=epochs, verbose=0,
                  validation_data=(test.X, test.Y), callbacks=[recorder])
    return model, [logs for _, logs in recorder.logs]


def test_an_l2_kernel_regularizer_shrinks_the_trained_weights():
    plain, _ = fit_regularized("train", 20, 256)
    regularized, _ = fit_regularized("train", 20, 256, kernel_l2=0.01)
    for name in [f"layer_{index}" for index in range(6)]:
        norm = np.linalg.norm(np.asarray(regularized.get_layer(name).kernel))
        assert norm < 0.75 * np.linalg.norm(np.asarray(plain.get_layer(name).kernel)), name


@pytest.mark.parametrize("losses", [{"kernel_l2": 0.05}, {"activity_l2": 0.05}, {"square_penalty": 0.5}],
                         ids=["kernel_regularizer", "activity_regularizer", "add_loss"])
def test_the_model_losses_count_as_in_keras_fit(losses):
    """On JAX, ``train`` runs its own loop; with one batch per epoch (so shuffling cannot differ) it must
    minimise and report the same loss as Keras' ``Model.fit``, model losses included."""
    trained, trained_logs = fit_regularized("train", 6, 4096, **losses)
    fitted, fitted_logs = fit_regularized("keras_fit", 6, 4096, **losses)
    for key in LOG_KEYS:
        np.testing.assert_allclose([logs[key] for logs in trained_logs], [logs[key] for logs in fitted_logs],
                                   rtol=1e-5, err_msg=key)
    for a, b in zip(trained.get_weights(), fitted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_training_continued_from_a_recorded_state_ends_bit_for_bit_where_uninterrupted_training_ends():
    states, recorder = {}, LogRecorder()
    keras.utils.set_random_seed(0)
    model = feedforward.load([10, 7, 5, 4, 3], "tanh", "adam", 0.01, 12, 2)
    training, test = harmonics.load()
    train(model, training, test, 8, 256, [recorder], 0, on_state=lambda s: states.setdefault(s.epoch, s),
          state_epochs={2, 5})
    assert sorted(states) == [2, 5, 7] and states[7].finished and not states[5].finished

    continued, later = LogRecorder(), feedforward.load([10, 7, 5, 4, 3], "tanh", "adam", 0.01, 12, 2)
    train(later, training, test, 8, 256, [continued], 0, start=states[2])
    assert continued.logs == recorder.logs[3:]
    for a, b in zip(model.get_weights() + [v.numpy() for v in model.optimizer.variables],
                    later.get_weights() + [v.numpy() for v in later.optimizer.variables], strict=True):
        np.testing.assert_array_equal(a, b)
