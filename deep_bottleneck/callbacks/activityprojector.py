"""Layer activations for TensorBoard's embedding projector, in the projector's own file format.

Every ``every`` epochs (and at the last epoch) each layer's activations on the rows MI is estimated on are
written as a tab-separated tensor file; the rows' classes go to ``metadata.tsv``; ``projector_config.pbtxt``
(the projector's ``ProjectorConfig`` in protobuf text format) lists every tensor with its shape and metadata.
A repetition's folder is ``projector/run_<k>``; the ``projector_config.pbtxt`` in ``projector/`` lists the tensors
of every repetition (named ``run_<k> <layer> epoch <e>``), so ``tensorboard --logdir runs/<id>/projector`` shows all
repetitions and ``tensorboard --logdir runs/<id>/projector/run_<k>`` one. Neither TensorBoard nor this package is
needed to write or read the files.
"""

from __future__ import annotations

import fcntl
import re
from pathlib import Path

import keras
import numpy as np

from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.models.base import recorded_layers

CONFIG_FILE = "projector_config.pbtxt"
METADATA_FILE = "metadata.tsv"
#: A repetition's folder, as the run folder names it (``store.run_folder``).
REPETITION_FOLDER = re.compile(r"run_\d+")
#: Lock file in ``projector/`` taken while the listing of every repetition is rewritten.
LOCK_FILE = ".projector.lock"


def embedding_entry(name: str, tensor_file: str, shape: tuple[int, int], metadata_file: str = METADATA_FILE) -> str:
    """One ``embeddings { ... }`` block of a ``ProjectorConfig`` in text format."""
    return (f'embeddings {{\n  tensor_name: "{name}"\n  tensor_path: "{tensor_file}"\n'
            f'  metadata_path: "{metadata_file}"\n  tensor_shape: {shape[0]}\n  tensor_shape: {shape[1]}\n}}\n')


def _prefixed_entries(config_text: str, repetition: str) -> str:
    """The entries of a repetition's ``projector_config.pbtxt`` as seen from ``projector/``: paths into its folder,
    names that start with the repetition."""
    text = re.sub(r'tensor_name: "', f'tensor_name: "{repetition} ', config_text)
    return re.sub(r'(tensor_path|metadata_path): "', rf'\1: "{repetition}/', text)


def write_listing_of_every_repetition(root: Path) -> None:
    """``root/projector_config.pbtxt`` listing the tensors of every ``root/run_<k>/`` folder, rewritten atomically
    under a lock, since repetitions in other processes write theirs at the same time."""
    with open(root / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folders = sorted((folder for folder in root.iterdir()
                          if folder.is_dir() and REPETITION_FOLDER.fullmatch(folder.name)
                          and (folder / CONFIG_FILE).is_file()), key=lambda folder: int(folder.name[4:]))
        text = "".join(_prefixed_entries((folder / CONFIG_FILE).read_text(), folder.name) for folder in folders)
        temporary = root / f"{CONFIG_FILE}.tmp"
        temporary.write_text(text)
        temporary.replace(root / CONFIG_FILE)


class ActivityProjector(keras.callbacks.Callback):
    """Write layer activations on ``split`` for TensorBoard's embedding projector.

    Args:
        split: Rows whose activations are written; their classes are the metadata.
        folder: Folder of the files (created at the start of training).
        every: Write at the end of epochs 0, every, 2 * every, ... and of the last epoch.
    """

    def __init__(self, split: DataSplit, folder: Path, every: int = 100) -> None:
        super().__init__()
        self.split = split
        self.folder = Path(folder)
        self.every = every
        self._extractor: keras.Model | None = None
        self._layer_names: list[str] = []
        self._entries: list[str] = []
        self._last_written = -1

    def on_train_begin(self, logs=None) -> None:
        layers = recorded_layers(self.model)
        self._extractor = keras.Model(self.model.inputs, [layer.output for layer in layers])
        self._layer_names = [layer.name for layer in layers]
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / METADATA_FILE).write_text("".join(f"{label}\n" for label in self.split.y))
        self._entries = []

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self._epoch = epoch
        if epoch % self.every == 0:
            self._write(epoch)

    def on_train_end(self, logs=None) -> None:
        last = getattr(self, "_epoch", -1)
        if last >= 0 and last != self._last_written:
            self._write(last)

    def _write(self, epoch: int) -> None:
        outputs = self._extractor.predict_on_batch(self.split.X)
        for name, values in zip(self._layer_names, outputs):
            values = np.asarray(values, dtype=np.float32)
            tensor_file = f"{name}_epoch_{epoch}.tsv"
            np.savetxt(self.folder / tensor_file, values, delimiter="\t", fmt="%.6g")
            self._entries.append(embedding_entry(f"{name} epoch {epoch}", tensor_file, values.shape))
        temporary = self.folder / f"{CONFIG_FILE}.tmp"
        temporary.write_text("".join(self._entries))
        temporary.replace(self.folder / CONFIG_FILE)
        if REPETITION_FOLDER.fullmatch(self.folder.name):
            write_listing_of_every_repetition(self.folder.parent)
        self._last_written = epoch


def load(projector_folder: Path | None = None, mi_split: DataSplit | None = None,
         every: int = 100) -> ActivityProjector:
    """Callback plug-in entry point; the pipeline gives ``projector_folder`` and ``mi_split``.

    Args:
        projector_folder: Where the repetition's projector files go (the run folder's ``projector/run_<k>``).
        mi_split: The rows MI is estimated on (``calculate_mi_for``).
        every: Epochs between two written snapshots.

    Raises:
        ValueError: ``every`` is not a positive integer.
    """
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}.")
    empty = DataSplit(np.zeros((0, 1), np.float32), np.zeros(0, np.int32), np.zeros((0, 1), np.float32))
    return ActivityProjector(mi_split if mi_split is not None else empty,
                             Path(projector_folder or "projector"), every)
