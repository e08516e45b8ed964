"""The Beyond-normal tasks: each sampler draws from the distribution whose mutual information the task states
(the mean log density ratio over its own draws, densities from scipy.stats), and the baselines recover it."""

import numpy as np
import pytest
from scipy import stats

from deep_bottleneck.testing import beyond_normal as bn


def log_ratio_mean_and_error(log_ratios):
    return np.mean(log_ratios), np.std(log_ratios) / np.sqrt(len(log_ratios))


def test_two_pair_and_dense_normals_state_their_closed_forms():
    assert bn.multinormal("2-pair", 3).mi_nats == pytest.approx(-np.log(1 - 0.8**2), abs=1e-12)
    covariance = bn.dense_covariance(1, 1)
    assert bn.gaussian_mi_nats(covariance, 1) == pytest.approx(-0.5 * np.log(1 - 0.5**2), abs=1e-12)


@pytest.mark.parametrize("dim", [2, 3, 5])
@pytest.mark.parametrize("kind", ["dense", "2-pair"])
def test_normal_samples_carry_the_stated_information(kind, dim):
    task = bn.multinormal(kind, dim)
    x, y = task.sample(20000, np.random.default_rng(0))
    covariance = bn.dense_covariance(dim, dim) if kind == "dense" else bn.two_pair_covariance(dim, dim)
    joint = stats.multivariate_normal(np.zeros(2 * dim), covariance).logpdf(np.hstack([x, y]))
    marginal_x = stats.multivariate_normal(np.zeros(dim), covariance[:dim, :dim]).logpdf(x)
    marginal_y = stats.multivariate_normal(np.zeros(dim), covariance[dim:, dim:]).logpdf(y)
    mean, error = log_ratio_mean_and_error(joint - marginal_x - marginal_y)
    assert abs(mean - task.mi_nats) < 4 * error


@pytest.mark.parametrize("dim, df", [(1, 1), (2, 2), (3, 3), (5, 2)])
def test_student_samples_carry_the_stated_information(dim, df):
    task = bn.student(dim, df)
    x, y = task.sample(40000, np.random.default_rng(1))
    t = lambda k: stats.multivariate_t(np.zeros(k), np.eye(k), df=df)  # noqa: E731
    mean, error = log_ratio_mean_and_error(t(2 * dim).logpdf(np.hstack([x, y])) - t(dim).logpdf(x) - t(dim).logpdf(y))
    assert abs(mean - task.mi_nats) < 4 * error


@pytest.mark.parametrize("epsilon", [0.1, 0.75])
def test_additive_noise_states_the_information_of_its_densities(epsilon):
    task = bn.additive_noise(epsilon)
    x, y = task.sample(50000, np.random.default_rng(2))
    # p(y | x) = 1 / (2 eps); p(y) = |[0, 1] ∩ [y - eps, y + eps]| / (2 eps)
    overlap = np.minimum(1.0, y + epsilon) - np.maximum(0.0, y - epsilon)
    mean, error = log_ratio_mean_and_error(-np.log(overlap[:, 0]))
    assert abs(mean - task.mi_nats) < 4 * error + 1e-12


def test_the_transforms_are_invertible_so_the_information_is_kept():
    values = np.random.default_rng(3).normal(size=(1000, 3))
    turned = bn.spiral(values, (1, 2), 1 / 3)
    np.testing.assert_allclose(np.linalg.norm(turned, axis=1), np.linalg.norm(values, axis=1), rtol=1e-12)
    np.testing.assert_allclose(bn.spiral(turned, (1, 2), -1 / 3), values, atol=1e-12)
    np.testing.assert_allclose(np.sign(bn.half_cube(values)) * np.abs(bn.half_cube(values)) ** (2 / 3), values,
                               atol=1e-12)
    task = bn.spiralled(bn.multinormal("2-pair", 3), 3, 3)
    assert task.mi_nats == bn.multinormal("2-pair", 3).mi_nats and task.name.startswith("Spiral @ Multinormal 3 x 3")


@pytest.mark.parametrize("n_classes, width", [(2, 1), (4, 2), (5, 3)])
def test_uniform_shift_information_is_that_of_its_densities(n_classes, width):
    t, labels = bn.uniform_shift_sample(n_classes, width, 50000, np.random.default_rng(4))
    covering = ((t >= np.arange(n_classes)) & (t < np.arange(n_classes) + width)).sum(axis=1)
    mean, error = log_ratio_mean_and_error(np.log(n_classes / covering))
    assert abs(mean - bn.uniform_shift_mi_nats(n_classes, width)) < 4 * error + 1e-12
    assert bn.uniform_shift_mi_nats(n_classes, 1) == pytest.approx(np.log(n_classes))


def test_the_baselines_recover_a_bivariate_normal():
    task = bn.continuous_tasks(quick=True)[0]
    x, y = task.sample(5000, np.random.default_rng(5))
    assert bn.cca_mi_nats(x, y) == pytest.approx(task.mi_nats, abs=0.03)
    assert bn.ksg_mi_nats(x, y) == pytest.approx(task.mi_nats, abs=0.03)
    assert 0.2 < bn.histogram_mi_nats(x, y) < task.mi_nats
