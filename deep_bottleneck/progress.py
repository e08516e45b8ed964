"""Progress: bars on the terminal, lines in logs and captured output.

Bars write to the process's original stderr (``sys.__stderr__``), which Sacred's ``sys`` capture mode does not
record, and show only when that stream is a terminal. When the process's standard output is not a terminal (a log
file, a batch job, a test), progress is also reported as plain lines, which Sacred captures (``cout.txt``): at the
first and last step, at every tenth of the total, and whenever ``LINE_SECONDS`` passed since the last line.
"""

from __future__ import annotations

import sys
import time
from typing import Callable

import keras
from tqdm import tqdm

#: A progress line is printed at least this often while steps are completed.
LINE_SECONDS = 30.0
#: ... and whenever another this much of the total is done.
LINE_FRACTION = 0.1

Report = Callable[[str], None]


def lines_wanted() -> bool:
    """Whether progress is reported as lines: standard output is not a terminal."""
    stream = sys.__stdout__
    return stream is None or not stream.isatty()


def print_line(text: str) -> None:
    """Print one progress line to standard output (Sacred captures it) and flush it."""
    print(text, flush=True)


def progress_bar(total: int, description: str, position: int = 0) -> tqdm:
    """A tqdm bar on the terminal (disabled when stderr is not a terminal) on line ``position``."""
    stream = sys.__stderr__
    enabled = stream is not None and stream.isatty()
    return tqdm(total=total, desc=description, file=stream, disable=not enabled, leave=False, dynamic_ncols=True,
                position=position)


class LineSchedule:
    """When a progress line is due: the first and last step, every ``LINE_FRACTION`` of ``total`` and every
    ``LINE_SECONDS``.

    Args:
        total: Number of steps.
    """

    def __init__(self, total: int) -> None:
        self.total = max(1, total)
        self.stride = max(1, int(self.total * LINE_FRACTION))
        self._last_time = time.monotonic()

    def due(self, done: int) -> bool:
        """Whether a line is due after ``done`` steps (call once per completed step)."""
        now = time.monotonic()
        if done <= 1 or done >= self.total or done % self.stride == 0 or now - self._last_time >= LINE_SECONDS:
            self._last_time = now
            return True
        return False


class Progress:
    """A bar on the terminal and, when ``report`` is given, progress lines.

    Args:
        total: Number of steps.
        description: What is progressing: each line is ``<description> <done>/<total>[, <detail>]``.
        position: Line of the bar on the terminal.
        report: Receives each progress line; None for no lines (``default_report()`` gives the usual one).
    """

    def __init__(self, total: int, description: str, position: int = 0, report: Report | None = None) -> None:
        self.total = total
        self.description = description
        self.done = 0
        self.bar = progress_bar(total, description, position)
        self.report = report
        self.schedule = LineSchedule(total)

    def update(self, steps: int = 1, detail: str = "") -> None:
        """``steps`` more steps done; ``detail`` (e.g. the latest loss) goes on the bar and the line."""
        previous, self.done = self.done, self.done + steps
        if detail:
            self.bar.set_postfix_str(detail, refresh=False)
        self.bar.update(steps)
        if self.report is not None and any(self.schedule.due(done) for done in range(previous + 1, self.done + 1)):
            self.report(f"{self.description} {self.done}/{self.total}" + (f", {detail}" if detail else ""))

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def default_report() -> Report | None:
    """``print_line`` when progress lines are wanted (standard output is not a terminal), else None."""
    return print_line if lines_wanted() else None


def epoch_detail(logs: dict | None) -> str:
    """The latest losses and accuracies of an epoch's Keras logs, e.g. ``loss 0.5123, accuracy 0.812``."""
    names = (("loss", "loss", 4), ("accuracy", "accuracy", 3), ("val_loss", "validation loss", 4),
             ("val_accuracy", "validation accuracy", 3))
    return ", ".join(f"{label} {float(logs[key]):.{digits}f}" for key, label, digits in names
                     if logs and key in logs)


class EpochProgress(keras.callbacks.Callback):
    """Training progress, once per epoch: a bar on the terminal and, with ``report``, lines such as
    ``run 1/3: epoch 60/100, loss 0.5123, accuracy 0.812, ...; MI of 12 of 30 snapshots estimated``.

    Args:
        epochs: Epochs of training.
        description: Start of each line (``run 1/3``).
        position: Line of the bar on the terminal.
        report: Receives each progress line, or None.
        status: Further text for each line (e.g. the estimation's progress), or None.
    """

    def __init__(self, epochs: int, description: str, position: int = 0, report: Report | None = None,
                 status: Callable[[], str] | None = None) -> None:
        super().__init__()
        self.progress = Progress(epochs, f"{description}: epoch", position, report)
        self.status = status

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        detail = epoch_detail(logs)
        if self.status is not None:
            detail = "; ".join(part for part in (detail, self.status()) if part)
        self.progress.update(1, detail)

    def on_train_end(self, logs=None) -> None:
        self.progress.close()
