"""Binning estimator (Shwartz-Ziv & Tishby; Saxe et al.): discretise each unit and count distinct rows.

By default bins have width ``discretization_range`` (``floor(a / w)``, no range limit, the original's);
a fixed number of bins over a fixed range, over the observed range (adaptive), or holding equally many
rows (equal mass) are selected by the estimator's arguments. ``convention`` names the bins of one
paper's code instead: ``idnns`` (Shwartz-Ziv & Tishby: ``n_edges`` float32 edges ``linspace(-1, 1,
n_edges)``, ``np.digitize``, so values >= 1 and values < -1 share one extra bin), ``saxe`` (Saxe et al.'s
``simplebinmi.bin_calc_information2``: ``floor(a / binsize)``) or ``original`` (the original
deep-bottleneck's ``binning.py``: ``floor(a / discretization_range)``).

T is a deterministic function of X, so H(T|X) = 0 and I(X;T) = H(T) <= log2 N;
I(T;Y) = H(T) + H(Y) - H(T, Y). All snapshots of a layer are handled at once with integer
sorting: there is no Python loop over rows or snapshots.
"""

from __future__ import annotations

import warnings

import numpy as np

from deep_bottleneck.errors import closest_match_hint
from deep_bottleneck.mi_estimator.base import entropy_bits

_CODE_LIMIT = 2**62
_FLOAT_EXACT_LIMIT = 2**52
_PACKED_SPAN_LIMIT = 2**24


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
    """One int64 code per row of ``binned`` [S, N, d] (integer-valued, int or float) such that,
    within a snapshot, rows are equal exactly when their codes are.

    The units' bin indices are packed into one number with place values: exact in float64 up to
    min(2**52, 2**62 / N), then carried on in int64. Codes are re-ranked (to below N) before they
    could pass 2**62, so the next part always fits. A unit spanning more than 2**24 bins (where a
    float32 difference could round) is replaced by its rank first."""
    n_snapshots, n_rows, width = binned.shape
    units = np.ascontiguousarray(np.moveaxis(binned, 2, 0)).reshape(width, -1)
    lows = units.min(axis=1)
    spans = units.max(axis=1).astype(np.float64) - lows.astype(np.float64) + 1.0
    part_limit = min(_FLOAT_EXACT_LIMIT, _CODE_LIMIT // n_rows)
    exact = np.zeros(units.shape[1], dtype=np.float64)
    codes, place_value, code_bound = None, 1, 1
    for unit in range(width):
        values, low, span = units[unit], lows[unit], spans[unit]
        if not span <= _PACKED_SPAN_LIMIT:
            values = dense_rank(values.reshape(n_snapshots, n_rows)).reshape(-1)
            low, span = 0, values.max() + 1
        span = int(span)
        if place_value * span >= part_limit:
            codes, code_bound = _carry(codes, code_bound, exact, place_value, n_snapshots, n_rows)
            exact[:] = 0.0
            place_value = 1
        exact += (values - low) * np.float64(place_value)
        place_value *= span
    codes, _ = _carry(codes, code_bound, exact, place_value, n_snapshots, n_rows)
    return codes


def _carry(codes: np.ndarray | None, code_bound: int, exact: np.ndarray, place_value: int,
           n_snapshots: int, n_rows: int) -> tuple[np.ndarray, int]:
    """Append the exact float64 partial code (below ``place_value``) to the int64 ``codes``."""
    part = exact.astype(np.int64).reshape(n_snapshots, n_rows)
    if codes is None:
        return part, place_value
    if code_bound * place_value >= _CODE_LIMIT:
        codes, code_bound = dense_rank(codes), n_rows
    return codes * place_value + part, code_bound * place_value


def entropies_of_sorted(ordered: np.ndarray) -> np.ndarray:
    """Entropy in bits of the empirical distribution of each row of the row-sorted ``ordered`` [S, N]."""
    n_snapshots, n_rows = ordered.shape
    starts_new_value = np.ones(ordered.shape, dtype=bool)
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=starts_new_value[:, 1:])
    starts = np.flatnonzero(starts_new_value)
    counts = np.diff(np.append(starts, n_snapshots * n_rows)).astype(np.float64)
    snapshot_of_value = starts // n_rows
    sum_c_log_c = np.bincount(snapshot_of_value, weights=counts * np.log2(counts), minlength=n_snapshots)
    return np.log2(n_rows) - sum_c_log_c / n_rows


def distinct_counts_of_sorted(ordered: np.ndarray) -> np.ndarray:
    """Number of distinct values in each row of the row-sorted ``ordered`` [S, N]."""
    return 1 + np.count_nonzero(ordered[:, 1:] != ordered[:, :-1], axis=1)


def miller_madow_bits(n_occupied: np.ndarray, n_rows: int) -> np.ndarray:
    """Miller-Madow's bias correction (K - 1) / (2 N), in bits, of a plug-in entropy over K occupied bins."""
    return (np.asarray(n_occupied, dtype=np.float64) - 1.0) / (2.0 * n_rows * np.log(2.0))


def entropy_of_codes(codes: np.ndarray) -> np.ndarray:
    """Entropy in bits of the empirical distribution of each row of ``codes`` [S, N]."""
    return entropies_of_sorted(np.sort(codes, axis=1))


def binned_entropies(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """H(T) and H(T, Y) in bits for row codes [S, N] and labels [N], from one sort of the joint codes."""
    h_t, h_ty, _, _ = binned_entropies_and_counts(codes, labels)
    return h_t, h_ty


def binned_entropies_and_counts(codes: np.ndarray, labels: np.ndarray
                                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """H(T), H(T, Y) in bits and the numbers of distinct values of T and of (T, Y), each [S], for row codes
    [S, N] and labels [N], from one sort of the joint codes."""
    labels = np.asarray(labels, dtype=np.int64)
    n_classes = int(labels.max()) + 1
    if int(codes.max()) >= _CODE_LIMIT // n_classes:
        codes = dense_rank(codes)
    joint = codes * n_classes
    joint += labels[None, :]
    joint.sort(axis=1)
    h_ty, k_ty = entropies_of_sorted(joint), distinct_counts_of_sorted(joint)
    joint //= n_classes
    return entropies_of_sorted(joint), h_ty, distinct_counts_of_sorted(joint), k_ty


STRATEGIES = ("width", "fixed", "adaptive", "equal_mass")
CONVENTIONS = ("idnns", "saxe", "original")


class OutOfRangeWarning(UserWarning):
    """Activations fell outside the fixed binning range and were put into the edge bins."""


def bin_by_width(activations: np.ndarray, bin_width: float) -> np.ndarray:
    """``floor(a / w)`` (integer-valued floats): bins of width w with no range limit (Saxe et al.)."""
    quotient = activations / activations.dtype.type(bin_width)
    return np.floor(quotient, out=quotient)


def bin_in_range(activations: np.ndarray, n_bins: int, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``n_bins`` equal bins between ``low`` and ``high`` (broadcast against [S, N, d])."""
    span = np.where(high > low, high - low, 1.0)
    return np.clip(np.floor((activations - low) / span * n_bins), 0, n_bins - 1).astype(np.int64)


def idnns_edges(n_edges: int) -> np.ndarray:
    """The bin edges of IDNNs (and of Saxe et al.'s ``bin_calc_information``): ``linspace(-1, 1, n_edges)``
    rounded to float32."""
    return np.linspace(-1.0, 1.0, n_edges).astype(np.float32)


def bin_by_idnns_edges(activations: np.ndarray, n_edges: int) -> np.ndarray:
    """IDNNs' bins: ``np.digitize`` against ``idnns_edges(n_edges)``, whose result minus one indexes the edges,
    so the index -1 of values below the first edge is the last edge's, that of values >= the last edge.

    Values in [e_k, e_{k+1}) get k + 1 (k < n_edges - 1); values >= e_last and values < e_0 (and NaN) share
    the code ``n_edges``: ``n_edges`` bins in all."""
    codes = np.digitize(activations, idnns_edges(n_edges))
    codes[codes == 0] = n_edges
    return codes


def bin_equal_mass(activations: np.ndarray, n_bins: int) -> np.ndarray:
    """Per snapshot and unit, ``n_bins`` bins holding equally many rows; equal values share a bin."""
    n_rows = activations.shape[1]
    order = np.argsort(activations, axis=1, kind="stable")
    ordered = np.take_along_axis(activations, order, axis=1)
    starts_new_value = np.ones(ordered.shape, dtype=bool)
    starts_new_value[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    positions = np.arange(n_rows).reshape(1, n_rows, 1)
    first_position_of_value = np.maximum.accumulate(np.where(starts_new_value, positions, 0), axis=1)
    codes = np.empty(activations.shape, dtype=np.int64)
    np.put_along_axis(codes, order, first_position_of_value * n_bins // n_rows, axis=1)
    return codes


class BinningEstimator:
    """Binning estimator with a choice of bins.

    Args:
        bin_width: Width of every bin for ``strategy="width"`` (the config's ``discretization_range``).
        strategy: ``width`` (bins of ``bin_width``, unbounded, the original's), ``fixed`` (``n_bins``
            equal bins over ``bin_range``; values outside are put in the edge bins with a warning; not
            IDNNs' bins, which ``convention="idnns"`` gives), ``adaptive`` (``n_bins`` over each snapshot's observed range of the layer)
            or ``equal_mass`` (per unit, ``n_bins`` bins holding equally many rows).
        n_bins: Number of bins for the other strategies.
        bin_range: ``[low, high]`` for ``fixed``.
        convention: ``idnns``, ``saxe`` or ``original``: the bins of that paper's code, in place of a
            strategy (``saxe`` and ``original`` bin as ``width`` does, with ``bin_width`` as the bin size).
        n_edges: Number of edges on [-1, 1] for ``convention="idnns"`` (IDNNs' ``num_of_bins``, 30).
        error_bars: Also give the Miller-Madow bias-corrected values (``estimate_with_errors``) as columns of the
            measures.
    """

    def __init__(self, bin_width: float, strategy: str | None = None, n_bins: int = 30,
                 bin_range: tuple[float, float] = (-1.0, 1.0), convention: str | None = None,
                 n_edges: int = 30, error_bars: bool = False) -> None:
        if convention is not None:
            if convention not in CONVENTIONS:
                hint = closest_match_hint(convention, CONVENTIONS) if isinstance(convention, str) else ""
                raise ValueError(f"Unknown binning convention {convention!r}.{hint} "
                                 f"Use one of {', '.join(CONVENTIONS)}.")
            if strategy is not None:
                raise ValueError(f"Give either a convention or a strategy: convention {convention!r} fixes the "
                                 f"bins, so drop strategy {strategy!r}.")
        strategy = "width" if strategy is None else strategy
        if strategy not in STRATEGIES:
            hint = closest_match_hint(strategy, STRATEGIES) if isinstance(strategy, str) else ""
            raise ValueError(f"Unknown binning strategy {strategy!r}.{hint} Use one of {', '.join(STRATEGIES)}.")
        if strategy == "width" and convention != "idnns" and not bin_width > 0:
            raise ValueError(f"bin_width must be greater than 0, got {bin_width}")
        if not (isinstance(n_bins, int) and n_bins >= 1):
            raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
        if not (isinstance(n_edges, int) and n_edges >= 2):
            raise ValueError(f"n_edges must be an integer of at least 2, got {n_edges!r}")
        low, high = bin_range
        if not high > low:
            raise ValueError(f"bin_range must be [low, high] with low < high, got {list(bin_range)}")
        self.bin_width = float(bin_width)
        self.strategy = strategy
        self.n_bins = n_bins
        self.bin_range = (float(low), float(high))
        self.convention = convention
        self.n_edges = n_edges
        #: Columns ``estimate_with_errors`` adds to I(X;T) and I(T;Y).
        self.error_columns = ("MI_XM_miller_madow", "MI_YM_miller_madow") if error_bars else ()

    def bin(self, activations: np.ndarray) -> np.ndarray:
        """Bin index (integer-valued) of every activation in [S, N, d]; float32 input is binned in float32."""
        activations = np.asarray(activations)
        if activations.dtype not in (np.float32, np.float64):
            activations = activations.astype(np.float64)
        if self.convention == "idnns":
            return bin_by_idnns_edges(activations, self.n_edges)
        if self.strategy == "width":
            return bin_by_width(activations, self.bin_width)
        if self.strategy == "fixed":
            low, high = self.bin_range
            outside = np.count_nonzero((activations < low) | (activations > high))
            if outside:
                warnings.warn(
                    f"{outside} of {activations.size} activations lie outside the binning range "
                    f"[{low}, {high}] and were put into the edge bins; widen bin_range or use "
                    f"strategy 'adaptive'.", OutOfRangeWarning, stacklevel=3,
                )
            return bin_in_range(activations, self.n_bins, np.float64(low), np.float64(high))
        if self.strategy == "adaptive":
            low = activations.min(axis=(1, 2), keepdims=True)
            high = activations.max(axis=(1, 2), keepdims=True)
            return bin_in_range(activations, self.n_bins, low, high)
        return bin_equal_mass(activations, self.n_bins)

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each of the S snapshots in ``activations`` [S, N, d]."""
        results = self.estimate_with_errors(activations, labels)
        return results["MI_XM"], results["MI_YM"]

    def estimate_with_errors(self, activations: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
        """The plug-in ``MI_XM`` and ``MI_YM`` in bits and, beside them, their Miller-Madow bias-corrected forms
        ``MI_XM_miller_madow`` and ``MI_YM_miller_madow`` (each entropy plus (K - 1) / (2 N), K its occupied
        bins; H(T|X) = 0 needs none), each [S]: the rows read as a sample of the inputs, not as all of them."""
        labels = np.asarray(labels)
        h_t, h_ty, k_t, k_ty = binned_entropies_and_counts(row_codes(self.bin(activations)), labels)
        n_rows = len(labels)
        # I(T;Y) >= 0 exactly; the difference of entropies can round to -1e-16.
        mi_ty = np.maximum(h_t + entropy_bits(labels) - h_ty, 0.0)
        k_y = len(np.unique(labels))
        return {
            "MI_XM": h_t, "MI_YM": mi_ty,
            "MI_XM_miller_madow": h_t + miller_madow_bits(k_t, n_rows),
            "MI_YM_miller_madow": mi_ty + miller_madow_bits(k_t, n_rows) + miller_madow_bits(k_y, n_rows)
            - miller_madow_bits(k_ty, n_rows),
        }


def load(discretization_range: float = 0.07, strategy: str | None = None, n_bins: int = 30,
         bin_range: tuple[float, float] = (-1.0, 1.0), convention: str | None = None,
         n_edges: int = 30, error_bars: bool = False) -> BinningEstimator:
    """Estimator plug-in entry point; see ``BinningEstimator`` for the arguments (``discretization_range``
    is the bin width; ``strategy`` left out is ``width``)."""
    return BinningEstimator(discretization_range, strategy, n_bins, tuple(bin_range), convention, n_edges,
                            error_bars)
