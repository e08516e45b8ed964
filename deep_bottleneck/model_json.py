"""A Keras model to and from its JSON without Keras importing TensorFlow.

Keras's serialisation asks whether TensorFlow is importable (to recognise TensorFlow shapes and types) and so
imports it whenever it is installed, several CPU seconds per process. Where TensorFlow has not been imported, no
object in the model can be one of its types, so the question is answered "no" for the duration of the call.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

import keras


@contextmanager
def _tensorflow_probe_answered() -> Iterator[None]:
    from keras.src.utils import module_utils

    probe = getattr(module_utils, "tensorflow", None)
    if "tensorflow" in sys.modules or probe is None or getattr(probe, "_available", True) is not None:
        yield
        return
    probe._available = False
    try:
        yield
    finally:
        probe._available = None


def model_to_json(model: keras.Model) -> str:
    """Return ``model.to_json()``."""
    with _tensorflow_probe_answered():
        return model.to_json()


def model_from_json(text: str) -> keras.Model:
    """Return ``keras.models.model_from_json(text)``."""
    with _tensorflow_probe_answered():
        return keras.models.model_from_json(text)
