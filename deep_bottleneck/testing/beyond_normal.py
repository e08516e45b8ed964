"""Tasks of the "Beyond normal" benchmark (Czyz et al., NeurIPS 2023), generated here from their published
definitions, with analytic mutual information; mixed discrete-continuous tasks; and the benchmark's three CPU
baselines (CCA, KSG with k = 5, a 5-bin histogram) written from their textbook definitions.

Continuous tasks (I(X;Y) in nats, invariant under the coordinate-wise diffeomorphisms applied):

- multivariate normal: ``dense`` (all correlations 0.5) and ``2-pair`` (corr(X_i, Y_i) = 0.8 for i < 2, all others
  0): I = 1/2 ln(det S_X det S_Y / det S);
- Student-t with identity dispersion and ``df`` degrees of freedom: I = h_x + h_y - h_xy with h_k the entropy of a
  standard k-variate t (Arellano-Valle et al. 2013, Eq. 7);
- half-cube (x -> x sqrt|x|), asinh and spiral (x -> exp(||x||^2 s G) x, G the rotation generator in the plane of
  coordinates (0, 1) for X and (1, 2) for Y, s = 1 / dim) of those tasks;
- additive noise: X ~ U(0, 1), Y = X + U(-eps, eps): I = eps - ln(2 eps) for eps <= 1/2, else 1 / (4 eps).

Mixed tasks (a discrete Y of K classes, a continuous T): T | Y = y ~ U(y, y + w) (exact by counting overlaps) and
T | Y ~ N(+-m, I_d) (the validation suite's Gaussian classes, by quadrature).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma, gammaln

from deep_bottleneck.testing.validation_cases import Case

Sampler = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Task:
    """Two continuous variables with known mutual information.

    Attributes:
        name: The benchmark's name for the task.
        sample: ``sample(n, rng)`` -> X [n, dim_x], Y [n, dim_y].
        mi_nats: The true I(X;Y) in nats.
        family: The task set it belongs to (for the error per set).
    """

    name: str
    sample: Sampler
    mi_nats: float
    family: str


def gaussian_mi_nats(covariance: np.ndarray, dim_x: int) -> float:
    """I(X;Y) in nats of a joint normal with ``covariance``, X its first ``dim_x`` coordinates."""
    log_det = lambda matrix: np.linalg.slogdet(matrix)[1]  # noqa: E731
    return 0.5 * (log_det(covariance[:dim_x, :dim_x]) + log_det(covariance[dim_x:, dim_x:]) - log_det(covariance))


def dense_covariance(dim_x: int, dim_y: int, off_diagonal: float = 0.5) -> np.ndarray:
    return np.eye(dim_x + dim_y) * (1 - off_diagonal) + off_diagonal


def two_pair_covariance(dim_x: int, dim_y: int, correlation: float = 0.8) -> np.ndarray:
    """Correlation ``correlation`` between X_i and Y_i for i < 2, independence elsewhere (the benchmark's
    latent-variable model with strength 2: 4 / (4 + 1))."""
    covariance = np.eye(dim_x + dim_y)
    for i in range(2):
        covariance[i, dim_x + i] = covariance[dim_x + i, i] = correlation
    return covariance


def normal_sampler(covariance: np.ndarray, dim_x: int) -> Sampler:
    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        joint = rng.multivariate_normal(np.zeros(len(covariance)), covariance, size=n)
        return joint[:, :dim_x], joint[:, dim_x:]
    return sample


def student_entropy_nats(k: int, df: float) -> float:
    """Differential entropy in nats of a standard k-variate Student-t with ``df`` degrees of freedom."""
    half = 0.5 * (df + k)
    return float(gammaln(0.5 * df) - gammaln(half) + 0.5 * k * np.log(df * np.pi)
                 + half * (digamma(half) - digamma(0.5 * df)))


def student_sampler(dim_x: int, dim_y: int, df: float) -> Sampler:
    """Identity dispersion: a standard normal vector over sqrt(chi2_df / df), one scale per row."""
    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        joint = rng.standard_normal((n, dim_x + dim_y)) / np.sqrt(rng.chisquare(df, size=(n, 1)) / df)
        return joint[:, :dim_x], joint[:, dim_x:]
    return sample


def half_cube(values: np.ndarray) -> np.ndarray:
    return values * np.sqrt(np.abs(values))


def spiral(values: np.ndarray, plane: tuple[int, int], speed: float) -> np.ndarray:
    """Rotate each row in ``plane`` by the angle ``speed * ||row||^2`` (norm-preserving, so invertible)."""
    i, j = plane
    angle = speed * np.square(values).sum(axis=1)
    rotated = values.copy()
    rotated[:, i] = np.cos(angle) * values[:, i] - np.sin(angle) * values[:, j]
    rotated[:, j] = np.sin(angle) * values[:, i] + np.cos(angle) * values[:, j]
    return rotated


def transformed(task: Task, name: str, transform_x: Callable, transform_y: Callable) -> Task:
    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = task.sample(n, rng)
        return transform_x(x), transform_y(y)
    return Task(f"{name} @ {task.name}", sample, task.mi_nats, "transformed")


def spiralled(task: Task, dim_x: int, dim_y: int) -> Task:
    return transformed(task, "Spiral", lambda x: spiral(x, (0, 1), 1.0 / dim_x), lambda y: spiral(y, (1, 2), 1.0 / dim_y))


def additive_noise(epsilon: float) -> Task:
    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(0.0, 1.0, size=(n, 1))
        return x, x + rng.uniform(-epsilon, epsilon, size=(n, 1))
    truth = epsilon - np.log(2 * epsilon) if epsilon <= 0.5 else 0.25 / epsilon
    return Task(f"Uniform 1 x 1 (additive noise={epsilon})", sample, float(truth), "one-dimensional")


def multinormal(kind: str, dim: int) -> Task:
    covariance = dense_covariance(dim, dim) if kind == "dense" else two_pair_covariance(dim, dim)
    return Task(f"Multinormal {dim} x {dim} ({kind})", normal_sampler(covariance, dim),
                gaussian_mi_nats(covariance, dim), "multinormal")


def student(dim: int, df: int) -> Task:
    truth = 2 * student_entropy_nats(dim, df) - student_entropy_nats(2 * dim, df)
    return Task(f"Student-t {dim} x {dim} (dof={df})", student_sampler(dim, dim, df), truth, "student")


def continuous_tasks(quick: bool = False) -> list[Task]:
    """The benchmark's tasks up to 5 x 5 (its 25 x 25 and 50 x 50 ones are left out); ``quick``: one per set."""
    binormal = Task("Bivariate normal 1 x 1", normal_sampler(np.array([[1.0, 0.75], [0.75, 1.0]]), 1),
                    gaussian_mi_nats(np.array([[1.0, 0.75], [0.75, 1.0]]), 1), "one-dimensional")
    if quick:
        return [binormal, additive_noise(0.75), multinormal("2-pair", 3), student(2, 2),
                transformed(multinormal("2-pair", 3), "Half-cube", half_cube, half_cube)]
    tasks = [binormal, additive_noise(0.1), additive_noise(0.75),
             transformed(binormal, "Half-cube", half_cube, half_cube), student(1, 1),
             transformed(student(1, 1), "Asinh", np.arcsinh, np.arcsinh)]
    tasks += [multinormal("dense", dim) for dim in (2, 3, 5)] + [multinormal("2-pair", dim) for dim in (2, 3, 5)]
    tasks += [student(2, 1), student(2, 2), student(3, 2), student(3, 3), student(5, 2), student(5, 3)]
    for dim in (3, 5):
        base = multinormal("2-pair", dim)
        tasks += [transformed(base, "Half-cube", half_cube, half_cube), spiralled(base, dim, dim)]
    tasks += [transformed(student(dim, df), "Asinh", np.arcsinh, np.arcsinh) for dim, df in ((2, 1), (3, 2), (5, 2))]
    return tasks


def uniform_shift_mi_nats(n_classes: int, width: int) -> float:
    """I(T;Y) in nats for Y uniform on {0, ..., K-1} and T | Y = y ~ U(y, y + w), w an integer: p(t) is constant
    on each unit interval, (number of classes covering it) / (K w)."""
    covering = np.array([min(t, n_classes - 1) - max(0, t - width + 1) + 1 for t in range(n_classes + width - 1)])
    p = covering / (n_classes * width)
    return float(-(p * np.log(p)).sum() - np.log(width))


def uniform_shift_sample(n_classes: int, width: int, n: int, rng: np.random.Generator
                         ) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, n_classes, size=n)
    return (labels + width * rng.uniform(size=n))[:, None], labels


# --- the benchmark's CPU baselines ---------------------------------------------------------------------------

def cca_mi_nats(x: np.ndarray, y: np.ndarray) -> float:
    """I(X;Y) of the normal with the sample's covariance: -1/2 sum ln(1 - rho_i^2) over canonical correlations."""
    covariance = np.cov(np.hstack([x, y]).T)
    return max(gaussian_mi_nats(np.atleast_2d(covariance), x.shape[1]), 0.0)


def ksg_mi_nats(x: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """Kraskov, Stoegbauer & Grassberger's first estimator (maximum norm): psi(k) + psi(N) - <psi(n_x + 1) +
    psi(n_y + 1)>, n_x, n_y the points strictly closer than the k-th neighbour in the joint space."""
    joint = np.hstack([x, y])
    radius = cKDTree(joint).query(joint, k=k + 1, p=np.inf)[0][:, -1]
    shrunk = np.nextafter(radius, 0)
    n_x = cKDTree(x).query_ball_point(x, shrunk, p=np.inf, return_length=True) - 1
    n_y = cKDTree(y).query_ball_point(y, shrunk, p=np.inf, return_length=True) - 1
    return float(digamma(k) + digamma(len(x)) - np.mean(digamma(n_x + 1) + digamma(n_y + 1)))


def histogram_mi_nats(x: np.ndarray, y: np.ndarray, n_bins: int = 5) -> float:
    """Plug-in I(X;Y) with ``n_bins`` equal bins per coordinate over its observed range."""
    def cells(values: np.ndarray) -> np.ndarray:
        low, high = values.min(axis=0), values.max(axis=0)
        bins = np.clip(((values - low) / np.where(high > low, high - low, 1.0) * n_bins).astype(np.int64), 0,
                       n_bins - 1)
        return bins @ (n_bins ** np.arange(values.shape[1]))

    def entropy(codes: np.ndarray) -> float:
        _, counts = np.unique(codes, return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log(p)).sum())

    cx, cy = cells(x), cells(y)
    return entropy(cx) + entropy(cy) - entropy(cx * n_bins ** y.shape[1] + cy)


BASELINES = {"CCA": cca_mi_nats, "KSG (k=5)": ksg_mi_nats, "histogram (5 bins)": histogram_mi_nats}


def baseline_rows(n_rows: int = 5000, seeds: tuple[int, ...] = (0, 1, 2), quick: bool = False) -> Iterator[dict]:
    """Per (task, baseline): the true I(X;Y), the mean estimate and mean absolute error over ``seeds`` (nats), and
    the mean seconds per estimate, as computed."""
    for task in continuous_tasks(quick):
        samples = [task.sample(n_rows, np.random.default_rng(seed)) for seed in seeds]
        for name, baseline in BASELINES.items():
            started = time.perf_counter()
            estimates = np.array([baseline(x, y) for x, y in samples])
            yield {"task": task.name, "set": task.family, "N": n_rows, "estimator": name, "truth": task.mi_nats,
                   "estimate": float(estimates.mean()), "mean |error|": float(np.abs(estimates - task.mi_nats).mean()),
                   "seconds": (time.perf_counter() - started) / len(seeds)}


def mixed_cases(n_rows: int = 5000, seed: int = 0) -> list[Case]:
    """Discrete Y, continuous T with exact I(T;Y) (bits), as validation cases for every estimator: uniform shifts
    (T | Y = y ~ U(y, y + w) / K, so T lies in [0, 1 + (w - 1) / K)) and K Gaussian classes."""
    cases = []
    for n_classes, width in ((2, 1), (4, 2), (10, 3)):
        rng = np.random.default_rng(seed + n_classes)
        t, labels = uniform_shift_sample(n_classes, width, n_rows, rng)
        cases.append(Case(f"U(y, y + {width}) / {n_classes}, K = {n_classes}", (t / n_classes).astype(np.float32),
                          labels, None, uniform_shift_mi_nats(n_classes, width) / np.log(2),
                          bin_width=0.02, noise_variance=1e-4))
    return cases
