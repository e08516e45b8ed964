"""A user callback plug-in that holds training at the end of one epoch until a file exists, so that a test can look
at a run while it is certainly still running."""

import time
from pathlib import Path

import keras

#: Longest hold, so that a test that fails before releasing the run does not leave it waiting for ever.
LONGEST_HOLD_SECONDS = 900


class HoldUntilReleased(keras.callbacks.Callback):
    def __init__(self, release_file: Path, epoch: int) -> None:
        super().__init__()
        self.release_file, self.epoch = release_file, epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch != self.epoch:
            return
        deadline = time.monotonic() + LONGEST_HOLD_SECONDS
        while not self.release_file.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.release_file} was not created")
            time.sleep(0.05)


def load(release_file: str, epoch: int = 1, run: int = 0, held_run: int | None = None):
    """Holds every repetition, or only repetition ``held_run``."""
    if held_run is not None and run != held_run:
        return keras.callbacks.Callback()
    return HoldUntilReleased(Path(release_file), epoch)
