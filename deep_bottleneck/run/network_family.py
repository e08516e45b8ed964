"""MI over a family of networks (seed 003, the IDNNs replication's "extended" estimator): the randomness of
training counted.

The K repetitions of an experiment are K networks of one architecture trained from different seeds. The
family's layer T at a snapshot is sampled by passing each input through a network drawn from the family:
row i takes the activations of network j_i, with j_i uniform on the K networks (one draw per row, from the
experiment's seed, the same for every snapshot and layer). Every configured estimator then estimates this
[N, d] matrix as it estimates one network's. With K = 1 the family is that network.

The family's rows are built from the repetitions' activation files, so nothing is trained twice. They are
stored beside the per-network rows with ``run`` = ``FAMILY_RUN`` and the estimator label ``family_<label>``.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.errors import EstimationError
from deep_bottleneck.run.estimation import DEFAULT_CHUNK_BYTES, EstimatorSet, LabelledEstimator, sorted_measures

FAMILY_RUN = -1
FAMILY_PREFIX = "family_"


def network_of_each_row(n_rows: int, family_size: int, seed: int) -> np.ndarray:
    """Index of the network each of the ``n_rows`` inputs is passed through."""
    return np.random.default_rng(seed).integers(0, family_size, size=n_rows)


def family_snapshots(layers: Sequence[np.ndarray], networks: np.ndarray) -> np.ndarray:
    """[S, N, d] activations of the family from the K networks' [S, N, d] activations of one layer."""
    rows = np.arange(len(networks))
    return np.stack(layers)[networks, :, rows].transpose(1, 0, 2)


def estimate_family(estimators: Sequence[LabelledEstimator], activation_paths: Sequence[Path], seed: int,
                    chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> pd.DataFrame:
    """MI of the family of networks whose activation files are ``activation_paths``.

    Args:
        estimators: Labelled estimators; the family's rows are labelled ``family_<label>``.
        activation_paths: One activation file per network, all on the same rows.
        seed: Seed of the draw of a network for each row.
        chunk_bytes: Upper bound of the activations of all networks held at once.

    Returns:
        Rows of ``estimation.MEASURE_COLUMNS`` with ``run`` = ``FAMILY_RUN``, at the epochs every network recorded.

    Raises:
        EstimationError: The files hold different rows or layers.
    """
    estimator_set = EstimatorSet([LabelledEstimator(FAMILY_PREFIX + e.label, e.estimator) for e in estimators])
    with ExitStack() as stack:
        stores = [stack.enter_context(ActivationFile(path)) for path in activation_paths]
        labels, layer_names = stores[0].labels, stores[0].layer_names
        for path, store in zip(activation_paths, stores):
            if not np.array_equal(store.labels, labels) or store.layer_names != layer_names:
                raise EstimationError(f"{path} holds other rows or layers than {activation_paths[0]}; a family is "
                                      f"estimated from networks recorded on the same rows.")
        epochs = stores[0].epochs
        for store in stores[1:]:
            epochs = np.intersect1d(epochs, store.epochs)
        positions = [np.flatnonzero(np.isin(store.epochs, epochs)) for store in stores]
        networks = network_of_each_row(len(labels), len(stores), seed)
        frames = []
        for layer_index, name in enumerate(layer_names):
            n_rows, width = stores[0].layer(name).shape[1:]
            per_chunk = max(1, chunk_bytes // max(1, len(stores) * n_rows * width * 8))
            for start in range(0, len(epochs), per_chunk):
                layers = [store.layer(name)[position[start:start + per_chunk]]
                          for store, position in zip(stores, positions)]
                frames.append(estimator_set.estimate(family_snapshots(layers, networks), labels,
                                                     epochs[start:start + per_chunk], layer_index, name, FAMILY_RUN))
    return sorted_measures(frames)

