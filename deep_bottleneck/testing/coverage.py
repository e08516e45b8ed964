"""How often the stated errors hold the truth: on the binary Gaussian channel (Y a fair coin, T | Y ~ N(+-1, 1),
I(T;Y) by quadrature) each estimator's interval estimate +- 1.96 standard errors is checked over many seeds.

- ``goldfeld`` (Monte-Carlo error): two rows, at -1 and +1, each N / 2 times, noise variance 1, so that the noisy
  layer is the channel; both I(X;T) and I(T;Y) equal its information.
- ``ksg`` (subsampling error of I(T;Y)): rows T | Y ~ N(+-1, 1/2) read with noise of variance 1/2.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from deep_bottleneck.mi_estimator import goldfeld, ksg
from deep_bottleneck.testing.validation_cases import two_gaussians_mi_bits

Z_95 = 1.959963984540054


def goldfeld_draws(seed: int, n_rows: int) -> dict[str, float]:
    labels = np.repeat([0, 1], n_rows // 2)
    rows = np.where(labels == 1, 1.0, -1.0)[None, :, None]
    results = goldfeld.load(1.0, seed=seed).estimate_with_errors(rows, labels)
    return {key: float(value[0]) for key, value in results.items()}


def ksg_draws(seed: int, n_rows: int) -> dict[str, float]:
    rng = np.random.default_rng(10_000 + seed)
    labels = rng.integers(0, 2, n_rows)
    rows = (np.where(labels == 1, 1.0, -1.0) + np.sqrt(0.5) * rng.normal(size=n_rows))[:, None]
    results = ksg.load(0.5, error_bars=True, seed=seed).estimate_with_errors(rows[None], labels)
    return {key: float(value[0]) for key, value in results.items()}


CHECKS = [("goldfeld", "MI_XM", goldfeld_draws), ("goldfeld", "MI_YM", goldfeld_draws),
          ("ksg", "MI_YM", ksg_draws)]


def coverage_rows(n_seeds: int = 100, n_rows: int = 1000) -> Iterator[dict]:
    """Per (estimator, quantity): the share of ``n_seeds`` seeds whose 95 % interval holds the truth, and the
    standard deviation of (estimate - truth) / standard error (1 when the errors are right)."""
    truth = two_gaussians_mi_bits(1.0)
    for estimator, key, draw in CHECKS:
        z_scores = []
        for seed in range(n_seeds):
            results = draw(20_000 + seed, n_rows)
            z_scores.append((results[key] - truth) / results[f"{key}_se"])
        z_scores = np.array(z_scores)
        yield {"estimator": estimator, "quantity": key, "seeds": n_seeds, "N": n_rows, "truth (bits)": truth,
               "stated": 0.95, "covered": float(np.mean(np.abs(z_scores) < Z_95)),
               "sd of z": float(z_scores.std(ddof=1))}
