"""A user callback plug-in (loaded by full import path) that makes the second repetition diverge.

Its ``load`` takes the repetition's index ``run``, which the pipeline fills in.
"""

import keras
import numpy as np


class PoisonWeights(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            layer = self.model.get_layer("layer_2")
            layer.kernel.assign(np.full(layer.kernel.shape, np.nan, dtype="float32"))


def load(run: int):
    return PoisonWeights() if run == 1 else keras.callbacks.Callback()
