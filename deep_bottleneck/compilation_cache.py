"""JAX's persistent compilation cache, turned on for deep-bottleneck's commands: the programs an experiment compiles
(a training epoch, the layers' activations) are kept on disk, so its worker processes, and the next experiment of
the same architecture, load them instead of compiling them again.

The folder is ``$DEEP_BOTTLENECK_COMPILATION_CACHE`` (``off`` turns the cache off), else ``deep-bottleneck/jax``
under ``$XDG_CACHE_HOME`` (``~/.cache`` when that is not set). JAX's own ``JAX_COMPILATION_CACHE_DIR``, where set,
is left as it is. The folder holds at most ``MAX_BYTES`` (or ``$JAX_COMPILATION_CACHE_MAX_SIZE`` bytes), the entries
used longest ago removed first. A folder that cannot be used turns the cache off, said in one line; a program whose
entry cannot be read (a damaged file) is compiled again and its entries removed, and one that cannot be stored (a
full disk) is compiled again next time, each said in one line (``watch_entries``).
"""

from __future__ import annotations

import glob
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

#: The environment variable naming the cache folder, or ``off``.
CACHE_VARIABLE = "DEEP_BOTTLENECK_COMPILATION_CACHE"
#: Values of ``CACHE_VARIABLE`` that turn the cache off.
OFF_VALUES = ("off", "none", "no", "false", "0")
#: The most the cache folder may hold.
MAX_BYTES = 256 * 2**20
#: JAX's settings for a cache this module turns on (each also read by JAX from its upper-case variable).
JAX_SETTINGS = {
    "jax_persistent_cache_min_compile_time_secs": 0.0,
    "jax_persistent_cache_min_entry_size_bytes": 0,
    "jax_compilation_cache_max_size": MAX_BYTES,
}
#: The file JAX locks while it reads, stores or evicts entries.
LOCK_FILE = ".lockfile"
#: How long to wait for that lock (JAX's own wait).
LOCK_SECONDS = 10.0


def cache_folder(environment: Mapping[str, str] = os.environ) -> Path | None:
    """Where compiled programs are kept, or None when the cache is off: JAX's own ``JAX_COMPILATION_CACHE_DIR``
    where set, else as the module docstring says (an empty ``CACHE_VARIABLE`` counts as unset)."""
    if environment.get("JAX_COMPILATION_CACHE_DIR"):
        return Path(environment["JAX_COMPILATION_CACHE_DIR"])
    given = environment.get(CACHE_VARIABLE, "").strip()
    if given:
        return None if given.lower() in OFF_VALUES else Path(given).expanduser()
    base = environment.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deep-bottleneck" / "jax"


def use_compilation_cache() -> Path | None:
    """Turn the cache on for this process and the processes it starts, unless JAX's own variable names a folder
    already or ``CACHE_VARIABLE`` is ``off``; every program is kept, however quickly it compiled. A folder that
    cannot be created or written to is reported in one line and the cache stays off (for the processes this one
    starts too). Wherever the cache is on, JAX's warnings about its entries become ``watch_entries``' lines.

    Returns:
        The cache folder, or None when the cache is off.
    """
    environment = os.environ
    folder = cache_folder(environment)
    if folder is None:
        return None
    if not environment.get("JAX_COMPILATION_CACHE_DIR"):
        if (problem := unusable_reason(folder)) is not None:
            print(f"warning: the compilation cache {folder} cannot be used ({problem}); every process compiles its "
                  f"programs (set {CACHE_VARIABLE} to another folder, or to off)", file=sys.stderr)
            environment[CACHE_VARIABLE] = "off"
            return None
        settings = {"jax_compilation_cache_dir": str(folder), **JAX_SETTINGS}
        for name, value in settings.items():
            environment.setdefault(name.upper(), str(value))
        if "jax" in sys.modules:  # imported already: it read its variables then
            import jax

            for name, value in settings.items():
                jax.config.update(name, type(value)(environment[name.upper()]))
    watch_entries(folder)
    return folder


def unusable_reason(folder: Path) -> str | None:
    """Why ``folder`` cannot hold the cache (it cannot be created, or a file cannot be written in it), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"x")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        return f"{type(error).__name__}: {error.strerror or error}"
    return None


#: JAX's warnings when it cannot read or write an entry: which, the program's name (or the entry's key), the reason.
_ENTRY_PROBLEM = re.compile(r"Error (reading|writing) persistent compilation cache entry for '([^'/]+)': (.*)",
                            re.DOTALL)


def watch_entries(folder: Path) -> None:
    """From now on, JAX's warnings about entries of ``folder`` become one line each on stderr, the first of each
    kind in this process only (later ones pass without a word):

    - an entry JAX cannot read (a damaged file; JAX then compiles the program again): that program's entries are
      removed, so that the next process stores it anew instead of meeting the damaged copy again (JAX never
      replaces an entry);
    - an entry JAX cannot write (a full disk): the program is compiled again by the next process.
    """
    shown = warnings.showwarning
    if getattr(shown, "watched_folder", None) == folder:
        return
    reported = set()

    def show_warning(message, category, filename, lineno, file=None, line=None):
        problem = _ENTRY_PROBLEM.match(str(message))
        if problem is None:
            return shown(message, category, filename, lineno, file, line)
        kind, program, reason = problem.groups()
        removed = kind == "reading" and _remove_entries(folder, program)
        if kind not in reported:
            reported.add(kind)
            what = ("could not store {}; programs it cannot store are compiled again by the next process"
                    if kind == "writing" else
                    "held an unreadable copy of {}; it was compiled again and the copy removed (so is any other "
                    "unreadable copy this process meets)" if removed else
                    "held an unreadable copy of {}, which could not be removed; it is compiled in each process")
            print(f"warning: the compilation cache {folder} {what.format(program)} ({reason.splitlines()[0]})",
                  file=sys.stderr)

    show_warning.watched_folder = folder
    warnings.showwarning = show_warning


def _remove_entries(folder: Path, program: str) -> bool:
    """Remove the entries of ``program`` (a name, or an entry's key) from ``folder``; whether that succeeded.

    The removal holds JAX's lock on the folder: another process storing or evicting entries at the same moment
    would otherwise meet an entry whose files vanish under it.
    """
    import filelock

    try:
        with filelock.FileLock(folder / LOCK_FILE, timeout=LOCK_SECONDS):
            for entry in folder.glob(f"{glob.escape(program)}-*"):
                entry.unlink(missing_ok=True)
    except OSError:  # filelock.Timeout is one too
        return False
    return True
