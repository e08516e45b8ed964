"""Stopping a run on Ctrl-C (SIGINT) or SIGTERM, even when the signal arrives where Python drops exceptions.

Python runs a signal handler between two steps of the main thread, wherever that is. An exception the handler
raises inside a garbage-collector callback or a ``__del__`` (JAX registers a collector callback that runs often) is
printed as "Exception ignored" and lost, and the run would go on training. The handlers ``install_handlers`` sets
also remember the signal, and the training and estimation loops (and the local batch runner's loop) call
``raise_if_requested`` at every step, which raises the lost exception again. Python's "Exception ignored" report
of the lost one is not printed.

An exception raised at an arbitrary point can also leave another thread blocked for good, and the interpreter waits
for its threads at exit: under load, an experiment whose run was already stored as interrupted was seen never to
end. ``experiment.py`` therefore ends an interrupted run's process with ``exit_now``, without waiting for its
threads.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import NoReturn

#: The signal that asked the process to stop, once one has.
_requested: int | None = None


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler's time limit, a dying batch runner): stored by Sacred as an interrupted run."""


def _stop_exception(signal_number: int) -> KeyboardInterrupt:
    if signal_number == signal.SIGINT:
        return KeyboardInterrupt()
    return Terminated(f"stopped by {signal.Signals(signal_number).name}")


def _on_stop_signal(signal_number: int, frame: object) -> None:
    global _requested
    _requested = signal_number
    raise _stop_exception(signal_number)


def _unless_a_lost_stop(report: sys.UnraisableHookArgs, default=sys.unraisablehook) -> None:
    if not (_requested is not None and isinstance(report.exc_value, KeyboardInterrupt)):
        default(report)


def install_handlers(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> None:
    """From now on, each of ``signals`` raises its exception (SIGINT ``KeyboardInterrupt``, SIGTERM ``Terminated``)
    and is remembered for ``raise_if_requested``."""
    for signal_number in signals:
        signal.signal(signal_number, _on_stop_signal)
    sys.unraisablehook = _unless_a_lost_stop


def raise_if_requested() -> None:
    """Raise the stop a signal asked for (again, should the first have been lost); nothing when none arrived.

    Raises:
        KeyboardInterrupt: SIGINT arrived (``Terminated``, a subclass, for SIGTERM).
    """
    if _requested is not None:
        raise _stop_exception(_requested)


#: The exit status of a process stopped by a signal it handled (as a shell reports Ctrl-C).
INTERRUPTED_STATUS = 130


def exit_now(status: int) -> NoReturn:
    """End the process with ``status`` once the logs and standard streams are flushed, without waiting for other
    threads or running ``atexit`` functions."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
