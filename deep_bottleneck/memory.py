"""Give memory the process has freed back to the operating system.

Compiling a program (XLA for training and recording, LLVM for the numba kernels) allocates and frees a few hundred
MB; glibc keeps the freed pages in its heap, so every worker process would hold them for the rest of its run
(measured: ~190 MB per process after compiling Tishby's training program).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import keras


@functools.lru_cache(maxsize=None)
def _malloc_trim():
    name = ctypes.util.find_library("c")
    library = ctypes.CDLL(name) if name else None
    return getattr(library, "malloc_trim", None)


def release_freed_memory() -> None:
    """Return the heap's free pages to the operating system (glibc's ``malloc_trim``; nothing elsewhere)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class ReleaseFreedMemory(keras.callbacks.Callback):
    """Calls ``release_freed_memory`` after the first epochs (when programs are compiled) and every
    ``every`` epochs after that.

    Args:
        every: Epochs between releases after the first three.
    """

    def __init__(self, every: int = 200) -> None:
        super().__init__()
        self.every = every

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch < 3 or epoch % self.every == 0:
            release_freed_memory()
