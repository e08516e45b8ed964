"""Child processes that end with their parent, however the parent ends (``kill -9`` included).

Linux delivers a chosen signal to a process when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and as a
second line, a thread of the child checks once a second whether its parent is still the one that started it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0


def signal_on_parent_death(signal_number: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``signal_number`` to this process when its parent dies; whether it could.

    Safe to call between ``fork`` and ``exec`` (``preexec_fn``): the setting survives ``exec``.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal_number), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        time.sleep(WATCH_SECONDS)


def end_with_parent(parent_pid: int) -> None:
    """Make this process end when the process ``parent_pid`` (its parent) is gone.

    Args:
        parent_pid: The parent's process id, taken by the parent (so a parent that died before this call counts).
    """
    signal_on_parent_death(signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watch", daemon=True).start()
