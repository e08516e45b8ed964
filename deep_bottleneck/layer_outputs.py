"""The outputs of a Keras model's layers on many rows, computed a block of rows at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

#: Rows passed through the network at once while recording (bounds the memory of wide conv outputs).
ROWS_PER_BATCH = 8192


def layer_activations(extractor: keras.Model, X: np.ndarray) -> list[np.ndarray]:
    """Each output of ``extractor`` on ``X`` as float32 [N, width], computed ``ROWS_PER_BATCH`` rows at a time."""
    parts = [extractor.predict_on_batch(X[start:start + ROWS_PER_BATCH]) for start in range(0, len(X), ROWS_PER_BATCH)]
    parts = [part if isinstance(part, (list, tuple)) else [part] for part in parts]
    return [np.concatenate([np.asarray(part[k], dtype=np.float32).reshape(len(part[k]), -1) for part in parts])
            for k in range(len(parts[0]))]
