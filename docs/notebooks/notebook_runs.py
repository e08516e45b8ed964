"""What the research notebooks share: the one parameter that shortens them, and making their runs with the project's
own command, ``run_experiments_local.py``, into a new temporary file store.

``DEEP_BOTTLENECK_NOTEBOOKS=short`` (the default; ``make docs`` and CI) or ``full`` (``make docs NOTEBOOKS=full``):
each notebook states what its short form changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

NOTEBOOKS = os.environ.get("DEEP_BOTTLENECK_NOTEBOOKS", "short")
if NOTEBOOKS not in ("short", "full"):
    raise ValueError(f"DEEP_BOTTLENECK_NOTEBOOKS is {NOTEBOOKS!r}: use short or full")
SHORT = NOTEBOOKS == "short"
#: The project's folder: the one holding run_experiments_local.py, at or above the notebook's folder.
PROJECT = next(folder for folder in (Path.cwd(), *Path.cwd().parents)
               if (folder / "run_experiments_local.py").is_file())
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))


def run_batch(config_path: str, updates: list[str], jobs: int = 2) -> Path:
    """Run every config of ``config_path`` (a config or a grid, relative to the project) with the config updates
    ``updates`` (``key=value``), ``jobs`` at a time, into a new temporary file store, without MongoDB; print the
    command as typed and the batch's summary; return the store's folder.

    Raises:
        RuntimeError: A run did not complete (the end of the batch's output in the message).
    """
    runs_dir = Path(tempfile.mkdtemp(prefix="deep_bottleneck_notebook_"))
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DEEP_BOTTLENECK_MONGO")}
    environment["DEEP_BOTTLENECK_RUNS_DIR"] = str(runs_dir)
    command = [sys.executable, "run_experiments_local.py", "-d", config_path, "-j", str(jobs),
               "--output", str(runs_dir / "output"), *(["with", *updates] if updates else [])]
    with_updates = " with " + " ".join(updates) if updates else ""
    print(f"python run_experiments_local.py -d {config_path} -j {jobs}{with_updates}")
    batch = subprocess.run(command, cwd=PROJECT, env=environment, capture_output=True, text=True)
    if batch.returncode != 0:
        raise RuntimeError(batch.stdout[-3000:] + batch.stderr[-3000:])
    print(batch.stdout[batch.stdout.index("config "):])
    return runs_dir
