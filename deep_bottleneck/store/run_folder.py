"""The run folder ``runs/<id>/``: the one place that knows what lives where in it::

    config.json run.json metrics.json cout.txt info.json   Sacred's record of the run
    information_measures.csv compression.csv *.png *.mp4   outputs, each stored once (listed in run.json as artifacts)
    activations/run_<k>.h5                                   every recorded layer of repetition k
    gradients/run_<k>.csv                                    gradient statistics of repetition k (plotter.snr)
    projector/run_<k>/                                       TensorBoard projector files (callbacks.activityprojector)
    information_stopping/run_<k>.csv                         checks of callbacks.early_stopping_information
    checkpoints/run_<k>.npz, checkpoints/runs_<a>-<b>.npz    where training of repetition k (or of repetitions a..b
                                                             trained together) stands, overwritten at each snapshot;
    checkpoints/groups.json                                  how the repetitions were grouped; the folder is removed
                                                             when the run completes

Every other module asks a ``RunFolder`` for these paths instead of building them.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any, Sequence

from deep_bottleneck.errors import DamagedFileError

MEASURES_FILE = "information_measures.csv"
COMPRESSION_FILE = "compression.csv"
RUN_RECORD = "run.json"
CONFIG_RECORD = "config.json"
METRICS_RECORD = "metrics.json"
INFO_RECORD = "info.json"
CAPTURED_OUTPUT = "cout.txt"
#: Lock file in the file store's root, taken while run ids are chosen or a run record is rewritten.
ID_LOCK_FILE = ".run-ids.lock"


def numbered_run_folders(runs_dir: Path) -> list[Path]:
    """The run folders of a file store named by a number (the ids Sacred gives), in the order of their ids; none
    when ``runs_dir`` is not a folder."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    return sorted((path for path in runs_dir.iterdir() if path.name.isdigit() and path.is_dir()),
                  key=lambda path: int(path.name))


def repetition_index(path: Path) -> int:
    """The repetition a per-repetition file (``run_<k>.h5``, ``run_<k>.csv``) belongs to."""
    return int(Path(path).stem.split("_")[-1])


class RunFolder:
    """One run's folder in the file store.

    Args:
        path: The folder (``runs/<id>``).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def name(self) -> str:
        """The run's id in its file store (the folder's name)."""
        return self.path.name

    def output(self, name: str) -> Path:
        """Where the output (CSV, plot, movie) called ``name`` is stored."""
        return self.path / name

    @property
    def measures_file(self) -> Path:
        """The information measures of every repetition."""
        return self.output(MEASURES_FILE)

    @property
    def compression_file(self) -> Path:
        """The compression verdicts."""
        return self.output(COMPRESSION_FILE)

    def record(self, name: str) -> Path:
        """One of Sacred's records (``run.json``, ``config.json``, ``metrics.json``, ``info.json``, ``cout.txt``)."""
        return self.path / name

    def activation_file(self, run: int) -> Path:
        """The activations of repetition ``run``."""
        return self.path / "activations" / f"run_{run}.h5"

    def activation_files(self) -> list[Path]:
        """Every repetition's activation file, in repetition order."""
        return sorted((self.path / "activations").glob("run_*.h5"), key=repetition_index)

    def gradient_file(self, run: int) -> Path:
        """The gradient statistics of repetition ``run``."""
        return self.path / "gradients" / f"run_{run}.csv"

    def gradient_files(self) -> list[Path]:
        """Every repetition's gradient statistics, in repetition order."""
        return sorted((self.path / "gradients").glob("run_*.csv"), key=repetition_index)

    def projector_folder(self, run: int) -> Path:
        """The TensorBoard projector files of repetition ``run``."""
        return self.path / "projector" / f"run_{run}"

    def information_stopping_file(self, run: int) -> Path:
        """The information-based stopping checks of repetition ``run``."""
        return self.path / "information_stopping" / f"run_{run}.csv"

    @property
    def checkpoint_folder(self) -> Path:
        """Where the checkpoints of a run that has not completed are."""
        return self.path / "checkpoints"

    def checkpoint_file(self, runs: Sequence[int]) -> Path:
        """The checkpoint of repetition ``runs[0]`` trained alone, or of repetitions ``runs`` trained together."""
        runs = [int(run) for run in runs]
        name = f"run_{runs[0]}" if len(runs) == 1 else f"runs_{runs[0]}-{runs[-1]}"
        return self.checkpoint_folder / f"{name}.npz"

    @property
    def groups_file(self) -> Path:
        """How the repetitions were grouped to be trained together (so that a resumed run groups them alike)."""
        return self.checkpoint_folder / "groups.json"

    def staging_folder(self) -> Path:
        """A private folder in the run folder for files that are moved into place once complete."""
        return self.path / f".staging-{os.getpid()}"

    def read_record(self, name: str, default: Any = None) -> Any:
        """A JSON record of the run, or ``default`` when the run has none.

        Raises:
            DamagedFileError: The record is not valid JSON (cut short by an older version, or overwritten).
        """
        path = self.record(name)
        if not path.exists():
            return default
        try:
            return json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            raise DamagedFileError(f"{path} is damaged: not valid JSON ({exc}).") from None

    def has_run(self) -> bool:
        """Whether the folder holds a run (its ``run.json``)."""
        return self.record(RUN_RECORD).is_file()

    def taken_names(self) -> set[str]:
        """Names of everything directly in the folder and of the run's artifacts."""
        return set(self.read_record(RUN_RECORD, {}).get("artifacts", [])) | {p.name for p in self.path.iterdir()}

    def add_artifacts(self, files: list[Path]) -> None:
        """Move ``files`` into the folder (under their names) and list them in ``run.json`` as artifacts.

        ``run.json`` is rewritten atomically under the file store's lock, so a run that ends meanwhile keeps its
        record whole.
        """
        with open(self.path.parent / ID_LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            run = self.read_record(RUN_RECORD)
            for path in files:
                os.replace(path, self.output(path.name))
            run["artifacts"] = list(run.get("artifacts", [])) + [path.name for path in files]
            temporary = self.record(RUN_RECORD + ".tmp")
            temporary.write_text(json.dumps(run, indent=2))
            os.replace(temporary, self.record(RUN_RECORD))
