"""Identical rows of a snapshot merged into one with a multiplicity, compiled by numba (the KDE bounds' first
step: pairs of identical rows need no kernel evaluation)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _row_hashes(words, labels):
    """A 64-bit hash of each row's bytes (as 32-bit words) and its label: the words times odd constants, summed
    (vectorised), then mixed (splitmix64's finaliser)."""
    hashes = np.empty(len(words), dtype=np.uint64)
    for i in range(len(words)):
        total = np.uint64(labels[i]) * np.uint64(0xD6E8FEB86659FD93)
        for k in range(words.shape[1]):
            total += np.uint64(words[i, k]) * ((np.uint64(k) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1))
        total = (total ^ (total >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        total = (total ^ (total >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        hashes[i] = total ^ (total >> np.uint64(31))
    return hashes


@numba.njit(cache=True, nogil=True)
def _equal_to_representatives(words, labels, representative):
    """Whether every row (and label) equals that of its representative row."""
    for i in range(len(words)):
        j = representative[i]
        if labels[i] != labels[j]:
            return False
        for k in range(words.shape[1]):
            if words[i, k] != words[j, k]:
                return False
    return True


def merge_identical_rows(activations: np.ndarray,
                         labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (row, label) pairs of a snapshot and how many rows each stands for.

    Rows are compared by their bytes (hashed, then checked), so 0.0 and -0.0 stay apart; merging only saves work,
    the sums are the same either way.

    Returns:
        ``(rows, labels, multiplicity)``: [U, d], [U] and [U] float64.
    """
    rows = np.ascontiguousarray(activations)
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    words = rows.view(np.uint32).reshape(len(rows), -1)
    _, first, inverse, counts = np.unique(_row_hashes(words, labels), return_index=True, return_inverse=True,
                                          return_counts=True)
    if not _equal_to_representatives(words, labels, first[inverse.ravel()]):  # a hash collision: compare bytes
        as_bytes = rows.view(np.dtype((np.void, words.shape[1] * 4))).ravel()
        _, row_id = np.unique(as_bytes, return_inverse=True)
        _, first, counts = np.unique(row_id.ravel() * (labels.max() + 1) + labels, return_index=True,
                                     return_counts=True)
    if len(first) == len(rows):  # all distinct: no copy
        return rows, labels, np.ones(len(rows))
    return rows[first], labels[first], counts.astype(np.float64)
