"""JAX's persistent compilation cache, turned on for deep-bottleneck's commands: the programs an experiment compiles
(a training epoch, the layers' activations) are kept on disk, so its worker processes, and the next experiment of
the same architecture, load them instead of compiling them again.

The folder is ``$DEEP_BOTTLENECK_COMPILATION_CACHE`` (``off`` turns the cache off), else ``deep-bottleneck/jax``
under ``$XDG_CACHE_HOME`` (``~/.cache`` when that is not set). JAX's own ``JAX_COMPILATION_CACHE_DIR``, where set,
is left as it is. The folder holds at most ``MAX_BYTES`` (or ``$JAX_COMPILATION_CACHE_MAX_SIZE`` bytes), the entries
used longest ago removed first. A program whose entry cannot be read (a damaged file) is compiled again and its
entries removed, said in one line (``mend_damaged_entries``).
"""

from __future__ import annotations

import glob
import os
import re
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

#: The environment variable naming the cache folder, or ``off``.
CACHE_VARIABLE = "DEEP_BOTTLENECK_COMPILATION_CACHE"
#: Values of ``CACHE_VARIABLE`` that turn the cache off.
OFF_VALUES = ("off", "none", "no", "false", "0")
#: The most the cache folder may hold.
MAX_BYTES = 256 * 2**20


def cache_folder(environment: Mapping[str, str] = os.environ) -> Path | None:
    """Where compiled programs are kept, or None when the cache is off (see the module docstring)."""
    given = environment.get(CACHE_VARIABLE)
    if given is not None:
        return None if given.strip().lower() in OFF_VALUES else Path(given).expanduser()
    base = environment.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deep-bottleneck" / "jax"


def use_compilation_cache() -> Path | None:
    """Turn the cache on for this process and the processes it starts, unless JAX's own variable names a folder
    already or ``CACHE_VARIABLE`` is ``off``; every program is kept, however quickly it compiled. In either case a
    damaged entry JAX meets is removed (``mend_damaged_entries``).

    Returns:
        The cache folder, or None when the cache is off.
    """
    environment = os.environ
    if environment.get("JAX_COMPILATION_CACHE_DIR"):
        folder = Path(environment["JAX_COMPILATION_CACHE_DIR"])
    else:
        folder = cache_folder(environment)
        if folder is None:
            return None
        settings = {
            "JAX_COMPILATION_CACHE_DIR": str(folder),
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
            "JAX_COMPILATION_CACHE_MAX_SIZE": str(MAX_BYTES),
        }
        for name, value in settings.items():
            environment.setdefault(name, value)
        if "jax" in sys.modules:  # imported already: it read its variables then
            import jax

            jax.config.update("jax_compilation_cache_dir", environment["JAX_COMPILATION_CACHE_DIR"])
            jax.config.update("jax_persistent_cache_min_compile_time_secs",
                              float(environment["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]))
            jax.config.update("jax_persistent_cache_min_entry_size_bytes",
                              int(environment["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"]))
            jax.config.update("jax_compilation_cache_max_size",
                              int(environment["JAX_COMPILATION_CACHE_MAX_SIZE"]))
    mend_damaged_entries(folder)
    return folder


#: JAX's warning when it cannot read an entry: the program's name (or the entry's key) and the reason.
_DAMAGED_ENTRY = re.compile(r"Error reading persistent compilation cache entry for '([^'/]+)': (.*)", re.DOTALL)


def mend_damaged_entries(folder: Path) -> None:
    """From now on, when JAX warns that it cannot read an entry of ``folder`` (it then compiles the program
    again), remove that program's entries, so that the next process stores it anew instead of meeting the damaged
    copy again (JAX never replaces an entry). The first such entry is reported in one line on stderr instead of
    JAX's warning; later ones in the same process are removed without a word."""
    shown = warnings.showwarning
    if getattr(shown, "mends_folder", None) == folder:
        return
    reported = []

    def show_warning(message, category, filename, lineno, file=None, line=None):
        damaged = _DAMAGED_ENTRY.match(str(message))
        if damaged is None:
            return shown(message, category, filename, lineno, file, line)
        program, reason = damaged.groups()
        for entry in folder.glob(f"{glob.escape(program)}-*"):
            entry.unlink(missing_ok=True)
        if not reported:
            reported.append(program)
            print(f"warning: the compilation cache {folder} held an unreadable copy of {program} "
                  f"({reason.splitlines()[0]}); it was compiled again and the copy removed (so is any other "
                  f"unreadable copy this process meets)", file=sys.stderr)

    show_warning.mends_folder = folder
    warnings.showwarning = show_warning
