"""A user callback plug-in (loaded by full import path) that makes the second repetition diverge."""

import keras
import numpy as np

#: One entry per training started, so the second repetition is known whatever built the callbacks.
trainings = []


class PoisonWeights(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        trainings.append(self)

    def on_epoch_end(self, epoch, logs=None):
        if len(trainings) == 2 and epoch == 1:
            layer = self.model.get_layer("layer_2")
            layer.kernel.assign(np.full(layer.kernel.shape, np.nan, dtype="float32"))


def load():
    return PoisonWeights()
