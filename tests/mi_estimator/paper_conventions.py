"""The binning of each paper's published code, restated independently of ``mi_estimator.binning``, one row at a
time, for the convention tests to hold the estimator against.

- IDNNs (Shwartz-Ziv & Tishby 2017, ``idnns/information/information_process.py``): edges ``linspace(-1, 1, n)``
  cast to float32; every value replaced by ``edges[np.digitize(value, edges) - 1]``; rows counted as distinct;
  I(X;T) = H(T) - H(T|X), I(T;Y) = H(T) - sum_y p(y) H(T | Y=y), in log2.
- Saxe et al. 2018 (``simplebinmi.bin_calc_information2``): ``floor(a / binsize)`` in the activations' dtype;
  H(T) and H(T|Y) in nats, the notebook multiplies by 1 / ln 2; I(X;T) = H(T).
- The original deep-bottleneck (``mi_estimator/binning.py`` and ``base.py``): ``floor(a / binsize).astype(int)``;
  H(T|X) = 0; label weights the mean of the one-hot labels; nats times 1 / ln 2.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def _entropy(rows: np.ndarray, log) -> float:
    """Entropy of the empirical distribution of the rows of ``rows`` [N, d], with the given logarithm."""
    counts = np.array(list(Counter(row.tobytes() for row in np.ascontiguousarray(rows)).values()), dtype=float)
    p = counts / counts.sum()
    return float(-np.sum(p * log(p)))


def idnns(inputs: np.ndarray, activations: np.ndarray, labels: np.ndarray, n_edges: int = 30) -> tuple[float, float]:
    """IDNNs' I(X;T) and I(T;Y) in bits of one [N, d] snapshot."""
    edges = np.linspace(-1, 1, n_edges).astype(np.float32)
    activations = np.asarray(activations)
    representatives = edges[np.digitize(activations.reshape(-1), edges) - 1].reshape(activations.shape)
    h_t = _entropy(representatives, np.log2)
    rows_of_input: dict[bytes, list[int]] = {}
    for index, row in enumerate(np.ascontiguousarray(inputs)):
        rows_of_input.setdefault(row.tobytes(), []).append(index)
    h_t_given_x = sum(len(rows) / len(activations) * _entropy(representatives[rows], np.log2)
                      for rows in rows_of_input.values())
    h_t_given_y = sum(np.mean(labels == y) * _entropy(representatives[labels == y], np.log2) for y in set(labels))
    return h_t - h_t_given_x, h_t - h_t_given_y


def saxe(activations: np.ndarray, labels: np.ndarray, binsize: float = 0.07) -> tuple[float, float]:
    """Saxe et al.'s ``bin_calc_information2`` in bits (the notebook's ``nats2bits``) of one [N, d] snapshot."""
    nats2bits = 1.0 / np.log(2)
    binned = np.floor(np.asarray(activations) / binsize).astype(int)
    h_t = _entropy(binned, np.log)
    h_t_given_y = sum(np.mean(labels == y) * _entropy(binned[labels == y], np.log) for y in set(labels))
    return nats2bits * h_t, nats2bits * (h_t - h_t_given_y)


def original(activations: np.ndarray, labels: np.ndarray, binsize: float = 0.07) -> tuple[float, float]:
    """The original deep-bottleneck's binning estimate in bits of one [N, d] snapshot."""
    nats2bits = 1.0 / np.log(2)
    binned = np.floor(np.asarray(activations) / binsize).astype("int")
    one_hot = np.eye(int(labels.max()) + 1)[labels]
    label_weights = one_hot.mean(axis=0)
    h_t = _entropy(binned, np.log)
    h_t_given_y = sum(label_weights[y] * _entropy(binned[labels == y], np.log) for y in range(one_hot.shape[1]))
    return nats2bits * (h_t - 0.0), nats2bits * (h_t - h_t_given_y)
