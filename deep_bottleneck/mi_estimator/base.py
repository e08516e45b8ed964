"""The contract every estimator honours, and the entropy helpers they share. Results are in bits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Mapping, Protocol

import numpy as np

NATS_TO_BITS = 1.0 / np.log(2.0)


#: I(X;T) and I(T;Y) in bits, one value per snapshot.
SnapshotEstimates = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class SharedPass:
    """Work that several estimators share, declared by each of them as its ``shared_pass`` attribute.

    Estimators configured together whose shared passes have equal ``key`` are estimated by one call of ``compute``
    (the first one's), which returns the estimates of every member; each estimator takes those of its ``member``.

    Attributes:
        key: Equal for estimators that one ``compute`` serves (e.g. the KDE bounds of one noise variance).
        member: Which of ``compute``'s results are this estimator's.
        compute: ``(activations [S, N, d], labels [N]) -> {member: (I(X;T) [S], I(T;Y) [S])}``.
    """

    key: Hashable
    member: str
    compute: Callable[[np.ndarray, np.ndarray], Mapping[str, SnapshotEstimates]]


class MutualInformationEstimator(Protocol):
    """Estimates I(X;T) and I(T;Y) of a layer T from its activations on the rows of X.

    Optional attributes the estimation reads where an estimator has them: ``shared_pass`` (a ``SharedPass``) and
    ``estimates_epoch(epoch) -> bool`` (snapshots it leaves out get no rows).
    """

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each snapshot.

        Args:
            activations: [S, N, d] activations of one layer at S snapshots on N rows.
            labels: [N] class index of each row.

        Returns:
            Two float arrays of shape [S]: I(X;T) and I(T;Y).
        """
        ...


def each_snapshot(estimate_one: Callable[[np.ndarray, np.ndarray], tuple[float, float]], activations: np.ndarray,
                  labels: np.ndarray) -> SnapshotEstimates:
    """``estimate_snapshots`` from an estimate of one [N, d] matrix: ``estimate_one`` applied to each snapshot."""
    results = np.array([estimate_one(snapshot, labels) for snapshot in activations], dtype=np.float64)
    results = results.reshape(-1, 2)
    return results[:, 0], results[:, 1]


def estimate(estimator: MutualInformationEstimator, activations: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in bits for one [N, d] activation matrix."""
    mi_xt, mi_ty = estimator.estimate_snapshots(np.asarray(activations)[None], labels)
    return float(mi_xt[0]), float(mi_ty[0])


def entropy_bits(labels: np.ndarray) -> float:
    """Plug-in entropy of a discrete variable, in bits."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())
