"""Writing record files whole or not at all: a temporary file beside the target, then a rename.

A reader (or a run that is killed mid-write) sees either the previous content or the new one, never a cut file.
Threads of one process (Sacred's heartbeat and the run) write one path one at a time: they share its temporary file.
A write that fails (disk full, read-only folder, file-size limit) raises ``RecordWriteError`` naming the path and
the reason, and leaves the previous content in place.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from deep_bottleneck.errors import RecordWriteError


def write_failure(path: str | Path, exc: Exception) -> RecordWriteError:
    """The one-line error of a failed write of ``path`` (an ``OSError``, or HDF5's error naming the system's)."""
    reason = getattr(exc, "strerror", None)
    if not reason:
        system_message = re.search(r"error message = '([^']*)'", str(exc))
        reason = system_message.group(1) if system_message else str(exc).splitlines()[0] if str(exc) else repr(exc)
    return RecordWriteError(f"Cannot write {path}: {reason}. The run stops here; what was recorded before "
                            f"is kept.")


@contextmanager
def reported_write_failures(path: str | Path) -> Iterator[None]:
    """Turn an ``OSError`` raised inside the block into ``RecordWriteError`` about ``path``."""
    try:
        yield
    except OSError as exc:
        raise write_failure(path, exc) from None


_locks_of_paths: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _forget_locks_in_child() -> None:
    # A lock another thread held when the process forked would stay held in the child.
    global _locks_guard
    _locks_of_paths.clear()
    _locks_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_locks_in_child)


def _lock_of(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks_of_paths.setdefault(os.path.abspath(path), threading.Lock())


def replace_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary path)``, then rename the temporary file to ``path``; other threads of this process
    that replace the same path wait until it is done.

    Raises:
        RecordWriteError: The write or the rename failed; ``path`` keeps its previous content.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    with _lock_of(path):
        try:
            write(temporary)
            os.replace(temporary, path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise write_failure(path, exc) from None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` whole (flushed to disk before the rename) or not at all."""
    def write(temporary: Path) -> None:
        with open(temporary, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())

    replace_atomically(path, write)


def check_free_space(path: str | Path, n_bytes: int, margin: int = 1 << 20) -> None:
    """Raise ``RecordWriteError`` before ``n_bytes`` more are written to ``path`` when its disk cannot hold them and
    ``margin`` more (room for the run's last records), or the process's file-size limit would be passed.

    Formats that cannot survive a failed write (HDF5) check before each write instead of failing in it.
    """
    path = Path(path)
    if shutil.disk_usage(path.parent).free < n_bytes + margin:
        raise write_failure(path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    size_limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if size_limit != resource.RLIM_INFINITY:
        size = path.stat().st_size if path.exists() else 0
        if size + n_bytes + margin > size_limit:
            raise write_failure(path, OSError(errno.EFBIG, os.strerror(errno.EFBIG)))
