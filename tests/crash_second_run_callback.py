"""A user callback plug-in whose second repetition's process dies at once, as an out-of-memory kill would."""

import os

import keras


class DieAtOnce(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        os._exit(9)


def load(run: int):
    return DieAtOnce() if run == 1 else keras.callbacks.Callback()
