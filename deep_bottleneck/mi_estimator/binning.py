"""Binning estimator (Shwartz-Ziv & Tishby; Saxe et al.): discretise each unit into bins of width
``discretization_range`` (``floor(a / w)``, no range limit) and count distinct rows.

T is a deterministic function of X, so H(T|X) = 0 and I(X;T) = H(T) <= log2 N;
I(T;Y) = H(T) + H(Y) - H(T, Y). All snapshots of a layer are handled at once with integer
sorting: there is no Python loop over rows or snapshots.
"""

from __future__ import annotations

import numpy as np

from deep_bottleneck.mi_estimator.base import entropy_bits

_CODE_LIMIT = 2**62


def dense_rank(codes: np.ndarray) -> np.ndarray:
    """Replace the codes of each row of ``codes`` [S, N] by their rank among that row's distinct codes."""
    order = np.argsort(codes, axis=1, kind="stable")
    ordered = np.take_along_axis(codes, order, axis=1)
    ranks_sorted = np.zeros(codes.shape, dtype=np.int64)
    np.cumsum(ordered[:, 1:] != ordered[:, :-1], axis=1, out=ranks_sorted[:, 1:])
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=1)
    return ranks


def row_codes(binned: np.ndarray) -> np.ndarray:
    """One int64 code per row of ``binned`` [S, N, d] such that, within a snapshot, rows are equal
    exactly when their codes are. Codes are re-ranked before they could overflow."""
    n_snapshots, n_rows, width = binned.shape
    codes = np.zeros((n_snapshots, n_rows), dtype=np.int64)
    code_bound = 1
    for unit in range(width):
        column = binned[:, :, unit]
        low = column.min(axis=1, keepdims=True)
        span = int((column - low).max()) + 1
        if code_bound * span >= _CODE_LIMIT:
            codes = dense_rank(codes)
            code_bound = n_rows
        codes = codes * span + (column - low)
        code_bound *= span
    return codes


def entropy_of_codes(codes: np.ndarray) -> np.ndarray:
    """Entropy in bits of the empirical distribution of each row of ``codes`` [S, N]."""
    n_snapshots, n_rows = codes.shape
    ordered = np.sort(codes, axis=1)
    starts_new_value = np.ones(codes.shape, dtype=bool)
    starts_new_value[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    starts = np.flatnonzero(starts_new_value.ravel())
    counts = np.diff(np.append(starts, n_snapshots * n_rows)).astype(np.float64)
    snapshot_of_value = starts // n_rows
    sum_c_log_c = np.bincount(snapshot_of_value, weights=counts * np.log2(counts), minlength=n_snapshots)
    return np.log2(n_rows) - sum_c_log_c / n_rows


def binned_entropies(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """H(T) and H(T, Y) in bits for row codes [S, N] and labels [N]."""
    labels = np.asarray(labels, dtype=np.int64)
    n_classes = int(labels.max()) + 1
    if int(codes.max()) >= _CODE_LIMIT // n_classes:
        codes = dense_rank(codes)
    joint = codes * n_classes + labels[None, :]
    return entropy_of_codes(codes), entropy_of_codes(joint)


class BinningEstimator:
    """Fixed-width binning estimator.

    Args:
        bin_width: Width of every bin (the config's ``discretization_range``).
    """

    def __init__(self, bin_width: float) -> None:
        if not bin_width > 0:
            raise ValueError(f"bin_width must be greater than 0, got {bin_width}")
        self.bin_width = float(bin_width)

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each of the S snapshots in ``activations`` [S, N, d]."""
        binned = np.floor(np.asarray(activations, dtype=np.float64) / self.bin_width).astype(np.int64)
        h_t, h_ty = binned_entropies(row_codes(binned), labels)
        # I(T;Y) >= 0 exactly; the difference of entropies can round to -1e-16.
        return h_t, np.maximum(h_t + entropy_bits(labels) - h_ty, 0.0)


def load(discretization_range: float) -> BinningEstimator:
    """Estimator plug-in entry point: bins of width ``discretization_range``."""
    return BinningEstimator(discretization_range)
