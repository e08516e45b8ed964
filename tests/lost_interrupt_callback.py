"""A user callback plug-in that sends its own process SIGINT from inside a ``__del__`` at the end of one epoch.

Python drops the KeyboardInterrupt that the handler raises there ("Exception ignored"), as it drops one raised
while JAX's garbage-collector callback runs, where a real Ctrl-C lands now and then.
"""

import signal

import keras


class _InterruptsWhenCollected:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)


class LoseAnInterrupt(keras.callbacks.Callback):
    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            _InterruptsWhenCollected()


def load(epoch: int = 1):
    return LoseAnInterrupt(epoch)
