"""Compression verdicts of a cohort of runs as one table: does tanh compress, does ReLU?"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from deep_bottleneck.eval_tools.experiment import Experiment
from deep_bottleneck.store.run_folder import COMPRESSION_FILE


def compression_table(experiments: Iterable[Experiment], *config_keys: str) -> pd.DataFrame:
    """Every experiment's ``compression.csv`` (one row per estimator and layer: the drop of I(X;T) from its peak
    to the end, in bits, with its bootstrap interval over runs and the verdict), with the experiment's id and
    name and the values of ``config_keys`` as leading columns.

    Raises:
        KeyError: An experiment has no compression artifact (it ran before verdicts were written, or did not
            complete: the ``find_by_*`` methods return completed runs unless asked otherwise); the message names
            its id and status.
    """
    frames = []
    for experiment in experiments:
        frame = experiment.artifacts[COMPRESSION_FILE].frame
        leading = {"id": experiment.id, "name": experiment.name,
                   **{key: str(experiment.config.get(key)) for key in config_keys}}
        frames.append(frame.assign(**leading)[[*leading, *frame.columns]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
