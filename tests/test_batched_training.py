"""Networks trained together by one compiled program equal each trained alone (within float32 rounding)."""

import keras
import numpy as np
import pytest

from deep_bottleneck.batched_training import BatchedTraining, batchable_reason
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.models import conv, feedforward, feedforward_batchnorm
from deep_bottleneck.models.base import layer_activations, recorded_layers
from deep_bottleneck.run.repetition import set_random_seed
from deep_bottleneck.training import train

#: Largest difference allowed between a network trained together and alone, after EPOCHS epochs. On the CPU the
#: weights were observed equal to the last bit; vectorised (a GPU), matrix products may round differently (~1e-7).
TOLERANCE = 1e-5
EPOCHS = 6
SEEDS = (3, 4, 5)


class Logs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


def canonical_model(seed):
    set_random_seed(seed)
    return feedforward.load([10, 7, 5, 4, 3], "tanh", "adam", 4e-4, 12, 2)


def test_networks_trained_together_equal_each_trained_alone():
    training, test = harmonics.load()
    keras.backend.clear_session()
    models = [canonical_model(seed) for seed in SEEDS]
    initial = [model.get_weights() for model in models]
    together = BatchedTraining(models, training, test, 256, SEEDS)
    logs = [together.train_epoch() for _ in range(EPOCHS)]
    layers = recorded_layers(models[0])
    weights = together.layer_weights(layers)  # read before assign: they come from the trainer's state
    together.assign()
    activations = together.activations(layers, training.X)
    for index, seed in enumerate(SEEDS):
        keras.backend.clear_session()
        alone = canonical_model(seed)
        for a, b in zip(alone.get_weights(), initial[index]):
            np.testing.assert_array_equal(a, b)  # each network starts from its own seed's initialisation
        recorder = Logs()
        train(alone, training, test, EPOCHS, 256, [recorder], seed)
        for a, b in zip(alone.get_weights(), models[index].get_weights()):
            np.testing.assert_allclose(b, a, rtol=0, atol=TOLERANCE)
        for epoch in range(EPOCHS):
            assert logs[epoch][index].keys() == recorder.logs[epoch].keys()
            for key, value in recorder.logs[epoch].items():
                assert abs(logs[epoch][index][key] - value) < TOLERANCE, (epoch, key)
        for layer, layer_weights in zip(recorded_layers(alone), weights[index], strict=True):
            for a, b in zip(layer.weights, layer_weights, strict=True):
                np.testing.assert_allclose(b, np.asarray(a.value), rtol=0, atol=TOLERANCE)
        extractor = keras.Model(alone.inputs, [layer.output for layer in recorded_layers(alone)])
        for a, b in zip(layer_activations(extractor, training.X), activations[index]):
            np.testing.assert_allclose(b, a, rtol=0, atol=TOLERANCE)
    # The networks differ from one another: each has its own initialisation and minibatch order.
    assert not np.allclose(models[0].get_weights()[0], models[1].get_weights()[0])


def test_models_that_cannot_be_trained_together_say_why():
    assert batchable_reason(feedforward.load([4], "tanh", "adam", 0.01, 12, 2)) is None
    assert "BatchNormalization" in batchable_reason(feedforward_batchnorm.load([4], "tanh", "adam", 0.01, 64, 10))
    assert "Conv2D" in batchable_reason(conv.load([4], "relu", "adam", 0.01, 64, 10, filters=2, kernel_size=3,
                                                  pool_size=2))


def test_a_seed_for_every_model():
    training, test = harmonics.load()
    with pytest.raises(ValueError, match="2 models but 1 seeds"):
        BatchedTraining([canonical_model(0), canonical_model(1)], training, test, 256, [0])


def test_networks_continued_together_from_their_states_end_bit_for_bit_where_uninterrupted_ones_end():
    training, test = harmonics.load()
    keras.backend.clear_session()
    uninterrupted = BatchedTraining([canonical_model(seed) for seed in SEEDS[:2]], training, test, 256, SEEDS[:2])
    logs = [uninterrupted.train_epoch() for _ in range(EPOCHS)]
    keras.backend.clear_session()
    first = BatchedTraining([canonical_model(seed) for seed in SEEDS[:2]], training, test, 256, SEEDS[:2])
    for _ in range(2):
        first.train_epoch()
    states = first.states(1)
    keras.backend.clear_session()
    # Fresh models of other seeds: everything that matters comes from the states.
    continued = BatchedTraining([canonical_model(seed) for seed in (8, 9)], training, test, 256, (8, 9), states)
    assert [continued.train_epoch() for _ in range(2, EPOCHS)] == logs[2:]
    for a, b in zip(continued.states(EPOCHS - 1), uninterrupted.states(EPOCHS - 1)):
        for part in ("trainable", "optimizer"):
            for x, y in zip(getattr(a, part), getattr(b, part), strict=True):
                np.testing.assert_array_equal(x, y)
        assert a.shuffle_state == b.shuffle_state
