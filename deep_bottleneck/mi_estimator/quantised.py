"""Exact mutual information of a layer with finitely many values (Lorenzen, Igel & Nielsen, ICLR 2022).

In a quantised network (``model_args.quantise_bits``) every unit takes one of 2**k values, so T is a discrete
variable and, with X uniform over the N rows, the mutual information is a count: I(X;T) = H(T) (T is a function
of X) and I(T;Y) = H(T) + H(Y) - H(T, Y), each entropy that of the distinct rows of T's exact values. Nothing is
binned or estimated: two rows are the same value of T when all their values are equal (float equality; -0.0 and
0.0 are one value, as are all NaNs). On a layer that is not quantised the count is still exact for the float32
values, and I(X;T) is then near log2 N.
"""

from __future__ import annotations

import numpy as np

from deep_bottleneck.mi_estimator.base import entropy_bits
from deep_bottleneck.mi_estimator.binning import binned_entropies, row_codes


def value_ranks(activations: np.ndarray) -> np.ndarray:
    """[S, N, d] int64: each value replaced by its rank among the distinct values of its unit (all snapshots)."""
    activations = np.asarray(activations)
    ranks = np.empty(activations.shape, dtype=np.int64)
    for unit in range(activations.shape[2]):
        _, inverse = np.unique(activations[:, :, unit], return_inverse=True, equal_nan=True)
        ranks[:, :, unit] = inverse.reshape(activations.shape[:2])
    return ranks


class QuantisedEstimator:
    """I(X;T) and I(T;Y) in bits by counting T's distinct rows: exact for a layer with finitely many values."""

    #: The estimates are the mutual information of the data set's empirical distribution, not estimates of it.
    exact = True

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each of the S snapshots in ``activations`` [S, N, d]."""
        h_t, h_ty = binned_entropies(row_codes(value_ranks(activations)), labels)
        # I(T;Y) >= 0 exactly; the difference of entropies can round to -1e-16.
        return h_t, np.maximum(h_t + entropy_bits(labels) - h_ty, 0.0)


def load(discretization_range: float = 0.07) -> QuantisedEstimator:
    """Estimator plug-in entry point. ``discretization_range`` is accepted as every estimator's is and not used:
    nothing is binned."""
    return QuantisedEstimator()
