"""How often the stated errors hold the truth: on known-MI cases each estimator's interval estimate +- 1.96
standard errors is checked over many seeds. The cases are binary Gaussian channels (Y a fair coin, T | Y ~
N(+-1, s2), I(T;Y) by quadrature):

- ``goldfeld`` (Monte-Carlo error): two rows, at -1 and +1, each N / 2 times, noise variance 1, so that the noisy
  layer is the channel; both I(X;T) and I(T;Y) equal its information.
- ``ksg`` I(T;Y) (subsampling error): rows T | Y ~ N(+-1, 1/2) read with noise of variance 1/2.
- ``ksg`` I(X;T) (the error from its rows' terms): the two rows of ``goldfeld``'s case read with noise of variance
  1 and of variance 0.05. The first shows KSG's bias at 8 noise draws per row (about 0.06 bits, four of its
  standard errors), which an error bar of the spread does not hold; the second a case without that bias.

Besides the share covered, each row gives the mean and the standard deviation of z = (estimate - truth) / standard
error: the mean is the bias in standard errors, the standard deviation about 1 when the errors are the spread's.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from deep_bottleneck.mi_estimator import goldfeld, ksg
from deep_bottleneck.testing.validation_cases import two_gaussians_mi_bits

Z_95 = 1.959963984540054


def two_rows(n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """[1, N, 1] activations: rows at -1 (label 0) and +1 (label 1), each N / 2 times; and the labels."""
    labels = np.repeat([0, 1], n_rows // 2)
    return np.where(labels == 1, 1.0, -1.0)[None, :, None], labels


def goldfeld_draws(seed: int, n_rows: int, noise_variance: float = 1.0) -> dict[str, float]:
    rows, labels = two_rows(n_rows)
    results = goldfeld.load(noise_variance, seed=seed).estimate_with_errors(rows, labels)
    return {key: float(value[0]) for key, value in results.items()}


def ksg_draws(seed: int, n_rows: int, noise_variance: float = 0.5) -> dict[str, float]:
    rng = np.random.default_rng(10_000 + seed)
    labels = rng.integers(0, 2, n_rows)
    rows = (np.where(labels == 1, 1.0, -1.0) + np.sqrt(0.5) * rng.normal(size=n_rows))[:, None]
    results = ksg.load(noise_variance, error_bars=True, seed=seed).estimate_with_errors(rows[None], labels)
    return {key: float(value[0]) for key, value in results.items()}


def ksg_two_rows_draws(seed: int, n_rows: int, noise_variance: float) -> dict[str, float]:
    rows, labels = two_rows(n_rows)
    estimator = ksg.load(noise_variance, seed=seed)
    mi_xt, mi_ty, row_terms = estimator.estimate_one_with_row_terms(rows[0], labels)
    return {"MI_XM": mi_xt, "MI_XM_se": ksg.row_standard_error(row_terms), "MI_YM": mi_ty}


@dataclass(frozen=True)
class CoverageCheck:
    """Quantities of one estimator on one case: ``draw(seed, N, noise variance)`` -> the estimator's columns."""

    estimator: str
    quantities: tuple[str, ...]
    case: str
    noise_variance: float
    truth_variance: float
    draw: Callable[[int, int, float], dict[str, float]]

    @property
    def truth(self) -> float:
        return two_gaussians_mi_bits(self.truth_variance)


CHECKS = [
    CoverageCheck("goldfeld", ("MI_XM", "MI_YM"), "two rows at +-1, noise variance 1", 1.0, 1.0, goldfeld_draws),
    CoverageCheck("ksg", ("MI_YM",), "rows N(+-1, 0.5), noise variance 0.5", 0.5, 1.0, ksg_draws),
    CoverageCheck("ksg", ("MI_XM",), "two rows at +-1, noise variance 1", 1.0, 1.0, ksg_two_rows_draws),
    CoverageCheck("ksg", ("MI_XM",), "two rows at +-1, noise variance 0.05", 0.05, 0.05, ksg_two_rows_draws),
]
#: Seeds of the checks start here.
FIRST_SEED = 20_000
#: Seeds of one check computed by one task of a worker pool.
SEEDS_PER_TASK = 10


def draw_seeds(check: CoverageCheck, seeds: range, n_rows: int) -> list[dict[str, float]]:
    """The check's columns at each of ``seeds``."""
    return [check.draw(FIRST_SEED + seed, n_rows, check.noise_variance) for seed in seeds]


def summary_rows(check: CoverageCheck, draws: list[dict[str, float]], n_rows: int) -> Iterator[dict]:
    """Per quantity of ``check``: the share of ``draws`` whose 95 % interval holds the truth, and the mean and
    standard deviation of (estimate - truth) / standard error."""
    truth = check.truth
    for quantity in check.quantities:
        z_scores = np.array([(draw[quantity] - truth) / draw[f"{quantity}_se"] for draw in draws])
        yield {"estimator": check.estimator, "quantity": quantity, "case": check.case, "seeds": len(draws),
               "N": n_rows, "truth (bits)": truth, "stated": 0.95,
               "covered": float(np.mean(np.abs(z_scores) < Z_95)), "mean z": float(z_scores.mean()),
               "sd of z": float(z_scores.std(ddof=1))}


def coverage_checks(estimators: list[str]) -> list[CoverageCheck]:
    """The checks of the estimator plug-ins named (``mi_estimator.ksg``, ...)."""
    short_names = {name.rsplit(".", 1)[-1] for name in estimators}
    return [check for check in CHECKS if check.estimator in short_names]


def coverage_rows(n_seeds: int = 100, n_rows: int = 1000, jobs: int = 1, checks: list[CoverageCheck] | None = None,
                  pool: Executor | None = None) -> Iterator[dict]:
    """``summary_rows`` of ``checks`` (default: every check in ``CHECKS``) over ``n_seeds`` seeds, in ``jobs``
    worker processes (1: in this one) or in ``pool``, to which the work is handed at once; the rows do not depend
    on where they are computed."""
    checks = CHECKS if checks is None else checks
    if pool is not None:
        return _summaries(_submitted(pool, checks, n_seeds, n_rows), n_rows)
    return _coverage_rows(n_seeds, n_rows, jobs, checks)


def _submitted(pool: Executor, checks: list[CoverageCheck], n_seeds: int, n_rows: int) -> dict:
    chunks = [range(start, min(start + SEEDS_PER_TASK, n_seeds)) for start in range(0, n_seeds, SEEDS_PER_TASK)]
    return {check: [pool.submit(draw_seeds, check, chunk, n_rows) for chunk in chunks] for check in checks}


def _summaries(futures: dict, n_rows: int) -> Iterator[dict]:
    for check, parts in futures.items():
        yield from summary_rows(check, [draw for part in parts for draw in part.result()], n_rows)


def _coverage_rows(n_seeds: int, n_rows: int, jobs: int, checks: list[CoverageCheck]) -> Iterator[dict]:
    if jobs == 1:
        for check in checks:
            yield from summary_rows(check, draw_seeds(check, range(n_seeds), n_rows), n_rows)
        return
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from _summaries(_submitted(pool, checks, n_seeds, n_rows), n_rows)
