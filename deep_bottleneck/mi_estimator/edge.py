"""EDGE, the ensemble dependence-graph estimator (Noshad, Zeng & Hero 2019, "Scalable mutual information
estimation using dependence graphs"): hashing instead of distances, so each estimate costs O(N).

Each row of a layer is hashed in two steps. H1, locality-sensitive: ``floor((t W + b) / eps)`` per
coordinate, with W the identity (``hashing="floor"``, the default up to ``FLOOR_HASH_MAX_WIDTH`` units) or a
2-stable (Gaussian) random projection onto min(d, log2(N / 10)) coordinates with entries N(0, 1/d)
(``hashing="p-stable"``, the default for wider layers), and b a shift of the grid. H2: a random multiply-shift
hash of H1's integer vector into F = ``collision_factor`` * N buckets (a power of two), counted with
``bincount``: no sort, no dictionary. The dependence graph joins bucket i of T and value j of the other
variable with N_ij rows, and

    I = sum_ij (N_ij / N) g(N N_ij / (N_i N_j)),    g(x) = min(log2 x, U)

- I(T;Y): j is the label.
- I(X;T): X is the row (the N rows are N distinct inputs of a deterministic net, N_j = 1), so
  I(X;T) = mean_i min(log2(N / N_{bucket(i)}), U): the entropy of the hashed layer, at most log2 N.

The ensemble averages ``n_ensemble`` estimates whose grids are shifted by b = l / L * eps (l = 0..L-1).
Estimates are clipped below at 0. When I(X;T) reaches its ceiling min(U, log2 N) (every row in a bucket of
its own, up to the 2 N / F bits that H2 collisions may take away) an ``EDGESaturationWarning`` says so: then
eps is too fine for N rows and the estimate says nothing about the layer.

Documented error on discrete layers, with floor hashing: when eps is smaller than the gap between distinct
values of a unit, H1 separates the L distinct rows, and EDGE equals the plug-in (maximum-likelihood) estimate
of the hashed variables, less what H2 collisions merge: at most L / F bits in expectation (two merged rows of
probability p cost 2 p bits at most; about L^2 / (2F) pairs collide). Against the truth add the plug-in
bias, about -(L - 1) / (2 N ln 2) bits for H(T), and sampling noise. A random projection can put distinct
rows closer than eps and merge them (8 binary units at eps = 0.5 lose ~0.06 bits of 8).
"""

from __future__ import annotations

import warnings

import numpy as np

from deep_bottleneck.mi_estimator.base import each_snapshot, entropy_bits

FLOOR_HASH_MAX_WIDTH = 6
HASHINGS = ("auto", "floor", "p-stable")
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


class EDGESaturationWarning(UserWarning):
    """An EDGE estimate reached its ceiling: every row fell into a bucket of its own."""


def projected_width(width: int, n_rows: int) -> int:
    """Coordinates a 2-stable projection hashes: min(d, log2(N / 10))."""
    return int(max(1, min(width, np.floor(np.log2(max(n_rows / 10.0, 2.0))))))


class EDGEEstimator:
    """EDGE estimate of I(X;T) and I(T;Y).

    Args:
        epsilon: Width of H1's buckets (the config's ``discretization_range``).
        n_ensemble: Estimates with shifted grids averaged into one.
        collision_factor: H2 hashes into ``collision_factor`` * N buckets (rounded up to a power of two).
        upper_bound: U, the cap of each edge's pointwise information in bits (None: no cap).
        hashing: ``floor`` (each unit), ``p-stable`` (a random projection) or ``auto`` (floor up to
            ``FLOOR_HASH_MAX_WIDTH`` units).
        seed: Seed of the projection, the hash and nothing else.
    """

    def __init__(self, epsilon: float, n_ensemble: int = 4, collision_factor: int = 64,
                 upper_bound: float | None = None, hashing: str = "auto", seed: int = 0) -> None:
        if hashing not in HASHINGS:
            raise ValueError(f"hashing must be one of {', '.join(HASHINGS)}, got {hashing!r}")
        if not epsilon > 0:
            raise ValueError(f"epsilon must be greater than 0, got {epsilon}")
        for name, value in (("n_ensemble", n_ensemble), ("collision_factor", collision_factor)):
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if upper_bound is not None and not upper_bound > 0:
            raise ValueError(f"upper_bound must be greater than 0 or None, got {upper_bound}")
        self.epsilon = float(epsilon)
        self.n_ensemble = n_ensemble
        self.collision_factor = collision_factor
        self.upper_bound = np.inf if upper_bound is None else float(upper_bound)
        self.hashing = hashing
        self.seed = seed

    def buckets(self, activations: np.ndarray, shift: float) -> tuple[np.ndarray, int]:
        """H2(H1(row)) of every row of one [N, d] snapshot, and the number of buckets F."""
        n_rows, width = activations.shape
        rng = np.random.default_rng(self.seed)
        points = np.asarray(activations, dtype=np.float64)
        if self.hashing == "p-stable" or (self.hashing == "auto" and width > FLOOR_HASH_MAX_WIDTH):
            projection = rng.normal(scale=1.0 / np.sqrt(width), size=(width, projected_width(width, n_rows)))
            points = points @ projection
        cells = np.floor(points / self.epsilon + shift).astype(np.int64).view(np.uint64)
        multipliers = rng.integers(1, 2**63, size=cells.shape[1], dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        bits = int(np.ceil(np.log2(max(2, self.collision_factor * n_rows))))
        with np.errstate(over="ignore"):
            mixed = (cells * multipliers).sum(axis=1, dtype=np.uint64) * _GOLDEN
        return (mixed >> np.uint64(64 - bits)).astype(np.int64), 2**bits

    def estimate_one(self, activations: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """I(X;T) and I(T;Y) in bits for one [N, d] snapshot (ensemble mean)."""
        labels = np.asarray(labels, dtype=np.int64)
        n_rows = len(labels)
        n_classes = int(labels.max()) + 1
        label_counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
        results = []
        for member in range(self.n_ensemble):
            buckets, n_buckets = self.buckets(activations, member / self.n_ensemble)
            bucket_counts = np.bincount(buckets, minlength=n_buckets)
            own = bucket_counts[buckets].astype(np.float64)
            mi_xt = np.minimum(np.log2(n_rows / own), self.upper_bound).mean()
            occupied_rank = np.cumsum(bucket_counts > 0) - 1
            joint = occupied_rank[buckets] * n_classes + labels
            joint_counts = np.bincount(joint).astype(np.float64)[joint]
            pointwise = np.log2(n_rows * joint_counts / (own * label_counts[labels]))
            results.append((mi_xt, np.minimum(pointwise, self.upper_bound).mean()))
        mi_xt, mi_ty = np.maximum(np.mean(results, axis=0), 0.0)
        ceiling = min(self.upper_bound, np.log2(n_rows))
        # Distinct rows merged by H2 lose about N / F bits in expectation; within twice that of the ceiling,
        # the rows are as good as all apart.
        if n_rows > 1 and mi_xt >= ceiling - 2.0 * n_rows / n_buckets - 1e-9:
            warnings.warn(
                f"EDGE I(X;T) saturated at its ceiling of {ceiling:.3f} bits: every one of the {n_rows} rows "
                f"is in a bucket of its own at epsilon = {self.epsilon}; use a larger discretization_range.",
                EDGESaturationWarning, stacklevel=3)
        return float(mi_xt), float(min(mi_ty, entropy_bits(labels)))

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each snapshot of ``activations`` [S, N, d]."""
        return each_snapshot(self.estimate_one, activations, labels)


def load(discretization_range: float = 0.07, n_ensemble: int = 4, collision_factor: int = 64,
         upper_bound: float | None = None, hashing: str = "auto", seed: int = 0) -> EDGEEstimator:
    """Estimator plug-in entry point: H1's bucket width = ``discretization_range``; see ``EDGEEstimator``."""
    return EDGEEstimator(discretization_range, n_ensemble, collision_factor, upper_bound, hashing, seed)
