"""The maximum-norm k-d tree of KSG against brute force on the same float64 points, ties and duplicates included."""

import numpy as np
import pytest

from deep_bottleneck.mi_estimator import _kd_tree


def brute_distances(points):
    """[P, P] maximum-norm distances, computed as ``np.abs(points - point).max(axis=1)`` row by row."""
    return np.stack([np.abs(points - point).max(axis=1) for point in points])


def lattice_points(n_points, width, seed):
    """Points on a coarse lattice (many equal distances, duplicated points), shifted off the origin so that the
    differences are rounded, not exact."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, size=(n_points, width)) * 0.1 + 0.37


def clustered_points(n_points, width, seed):
    """Tight clusters of a few centres (the trained, saturated layers' case) plus spread points."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-1, 1, size=(3, width))
    points = centres[rng.integers(0, 3, size=n_points)] + rng.normal(scale=0.01, size=(n_points, width))
    points[: n_points // 5] = rng.uniform(-1, 1, size=(n_points // 5, width))
    return points


POINT_SETS = [(lattice_points, 1), (lattice_points, 3), (clustered_points, 2), (clustered_points, 10)]


@pytest.mark.parametrize("leaf_size", [1, 4, _kd_tree.LEAF_SIZE])
@pytest.mark.parametrize("make_points, width", POINT_SETS)
def test_counts_equal_brute_force_at_radii_that_are_distances(make_points, width, leaf_size):
    points = make_points(600, width, seed=width)
    distances = brute_distances(points)
    rng = np.random.default_rng(0)
    # Each radius is the distance to some point: that point, and every point at the same distance, count.
    radius = distances[np.arange(len(points)), rng.integers(0, len(points), size=len(points))]
    radius[::7] = 0.0
    tree = _kd_tree.build(points, leaf_size)
    counts = _kd_tree.count_within(tree, points, radius)
    np.testing.assert_array_equal(counts, (distances <= radius[:, None]).sum(axis=1))
    if make_points is lattice_points:  # many points exactly at the radius
        assert np.mean((distances == radius[:, None]).sum(axis=1) > 1) > 0.5


def test_a_tree_of_equal_points_is_one_leaf_and_counts_them_all():
    points = np.full((100, 3), 0.3)
    tree = _kd_tree.build(points, leaf_size=4)
    assert len(tree.first) == 1
    np.testing.assert_array_equal(_kd_tree.count_within(tree, points, 0.0), 100)
    np.testing.assert_array_equal(_kd_tree.count_within(tree, points + 1e-9, 0.0), 0)


def test_tree_keeps_every_point_once_with_tight_boxes():
    points = clustered_points(500, 4, seed=1)
    tree = _kd_tree.build(points, leaf_size=4)
    assert sorted(tree.order) == list(range(500))
    np.testing.assert_array_equal(tree.points.T, points[tree.order])
    for node in range(len(tree.first)):
        members = tree.points[:, tree.first[node]:tree.last[node]]
        np.testing.assert_array_equal(tree.lower[node], members.min(axis=1))
        np.testing.assert_array_equal(tree.upper[node], members.max(axis=1))


@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize("make_points, width", POINT_SETS)
def test_neighbourhoods_equal_brute_force(make_points, width, k):
    points = make_points(800, width, seed=10 + width)
    rng = np.random.default_rng(width)
    groups = rng.integers(0, 3, size=len(points))
    distances = brute_distances(points)
    same_group = groups[:, None] == groups[None, :]
    group_radius = np.sort(np.where(same_group, distances, np.inf), axis=1)[:, k - 1]
    # Radii at or above the group radius (the contract), some exactly at it.
    radius = np.where(rng.random(len(points)) < 0.3, group_radius, group_radius + rng.uniform(0, 0.3, len(points)))
    found = _kd_tree.neighbourhoods(_kd_tree.build(points, leaf_size=4), groups, radius, k)
    np.testing.assert_array_equal(found.counts, (distances <= radius[:, None]).sum(axis=1))
    np.testing.assert_array_equal(found.group_radius, group_radius)
    np.testing.assert_array_equal(found.counts_in_group_radius, (distances <= group_radius[:, None]).sum(axis=1))


def test_kth_distance_within_blocks_equals_brute_force():
    points = lattice_points(64 * 8, 3, seed=5)
    expected = np.concatenate([np.sort(brute_distances(block), axis=1)[:, 3]
                               for block in points.reshape(64, 8, 3)])
    np.testing.assert_array_equal(_kd_tree.kth_distance_within_blocks(points, 8, 4), expected)
