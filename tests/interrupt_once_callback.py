"""A user callback plug-in that interrupts training at the end of one epoch while a file exists (as Ctrl-C would),
so that a test can resume the repetition in the same process."""

from pathlib import Path

import keras


class InterruptOnce(keras.callbacks.Callback):
    def __init__(self, armed_file: Path, epoch: int) -> None:
        super().__init__()
        self.armed_file, self.epoch = armed_file, epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch and self.armed_file.exists():
            raise KeyboardInterrupt


def load(armed_file: str, epoch: int):
    return InterruptOnce(Path(armed_file), epoch)
