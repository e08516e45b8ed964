"""Progress bars on the terminal, kept out of a run's captured output.

They write to the process's original stderr (``sys.__stderr__``), which Sacred's ``sys`` capture
mode does not record, and show only when that stream is a terminal.
"""

from __future__ import annotations

import sys

import keras
from tqdm import tqdm


def progress_bar(total: int, description: str, position: int = 0) -> tqdm:
    """A tqdm bar on the terminal (disabled when stderr is not a terminal) on line ``position``."""
    stream = sys.__stderr__
    enabled = stream is not None and stream.isatty()
    return tqdm(total=total, desc=description, file=stream, disable=not enabled, leave=False, dynamic_ncols=True,
                position=position)


class EpochProgress(keras.callbacks.Callback):
    """A training progress bar advancing once per epoch, showing the latest losses."""

    def __init__(self, epochs: int, description: str, position: int = 0) -> None:
        super().__init__()
        self.bar = progress_bar(epochs, description, position)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if logs:
            self.bar.set_postfix(loss=f"{logs.get('loss', float('nan')):.4f}",
                                 val_acc=f"{logs.get('val_accuracy', float('nan')):.3f}", refresh=False)
        self.bar.update(1)

    def on_train_end(self, logs=None) -> None:
        self.bar.close()
