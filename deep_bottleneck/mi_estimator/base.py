"""The contract every estimator honours, and the entropy helpers they share. Results are in bits."""

from __future__ import annotations

from typing import Protocol

import numpy as np

NATS_TO_BITS = 1.0 / np.log(2.0)


class MutualInformationEstimator(Protocol):
    """Estimates I(X;T) and I(T;Y) of a layer T from its activations on the rows of X."""

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each snapshot.

        Args:
            activations: [S, N, d] activations of one layer at S snapshots on N rows.
            labels: [N] class index of each row.

        Returns:
            Two float arrays of shape [S]: I(X;T) and I(T;Y).
        """
        ...


def estimate(estimator: MutualInformationEstimator, activations: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in bits for one [N, d] activation matrix."""
    mi_xt, mi_ty = estimator.estimate_snapshots(np.asarray(activations)[None], labels)
    return float(mi_xt[0]), float(mi_ty[0])


def entropy_bits(labels: np.ndarray) -> float:
    """Plug-in entropy of a discrete variable, in bits."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())
