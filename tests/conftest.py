"""Shared fixtures. Keras runs on JAX in tests unless KERAS_BACKEND says otherwise."""

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture
def short_config() -> dict:
    """A quick but complete experiment: Tishby's net for a few epochs."""
    return {
        "epochs": 6, "architecture": [10, 7, 5, 4, 3], "activation_fn": "tanh",
        "dataset": "datasets.harmonics", "estimator": "mi_estimator.binning",
        "calculate_mi_for": "full_dataset", "n_runs": 1, "seed": 3,
    }
