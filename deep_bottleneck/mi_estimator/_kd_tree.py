"""A k-d tree over points, compiled by numba: nodes split at the median of their widest coordinate, each with the
tight bounding box of its points. The KDE kernel (``_kde_pair_kernel``) finds near pairs of rows with it; here are
the exact maximum-norm neighbour queries of KSG (k-th neighbour radii and neighbour counts).

Each node keeps the tight bounding box of its points (the smallest and largest value of each coordinate) and how
many points it holds. A count query adds a whole node when its box lies inside the query's radius and skips it
when the box lies outside; only nodes the radius cuts through are opened. That keeps counting cheap where many
points fall inside the radius (the clustered rows of a trained, saturated layer), which is where trees that list
the points inside (``scipy.spatial.cKDTree.query_ball_point``) spend their time.

The answers are those of brute force on the same float64 points, tie for tie: the distance of x from q is
max_k |fl(x_k - q_k)|, and because rounding is monotone, fl(x_k - q_k) over a box's points lies between its
values at the box's smallest and largest coordinate, which are points' coordinates. So the box tests compare
exactly the numbers brute force compares; a count includes every point at distance <= the radius (the query
point itself too), and the k-th smallest distance is a distance brute force computes.

All functions are single-threaded and release the GIL (callers run snapshots in threads); numba compiles them on
first use and caches them next to this module when its folder is writable.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

#: Nodes with at most this many points are not split.
LEAF_SIZE = 32


class KDTree(NamedTuple):
    """A k-d tree over P points of width d (see ``build``).

    Attributes:
        points: [d, P] float64, the points in tree order, coordinate by coordinate (each node's points are a
            contiguous range).
        order: [P] ``points[i]`` is the caller's point ``order[i]``.
        first, last: [nodes] the range ``first:last`` of each node's points; node 0 is the root.
        children: [nodes, 2] the two children of a node, ``-1`` for a leaf.
        split_axis: [nodes] the coordinate along which a node's points were split between its children.
        lower, upper: [nodes, d] the corners of each node's bounding box.
    """

    points: np.ndarray
    order: np.ndarray
    first: np.ndarray
    last: np.ndarray
    children: np.ndarray
    split_axis: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


@numba.njit(cache=True, nogil=True)
def _select(order, points, axis, start, end, nth):
    """Reorder ``order[start:end]`` so that position ``nth`` holds the point that ranks there along ``axis``,
    points not larger before it and points not smaller after it (quickselect with Hoare's partition)."""
    low, high = start, end - 1
    while low < high:
        a, b, c = points[order[low], axis], points[order[(low + high) // 2], axis], points[order[high], axis]
        pivot = max(min(a, b), min(max(a, b), c))
        i, j = low, high
        while i <= j:
            while points[order[i], axis] < pivot:
                i += 1
            while points[order[j], axis] > pivot:
                j -= 1
            if i <= j:
                order[i], order[j] = order[j], order[i]
                i += 1
                j -= 1
        if nth <= j:
            high = j
        elif nth >= i:
            low = i
        else:
            return


@numba.njit(cache=True, nogil=True)
def _build(points, leaf_size):
    n_points, width = points.shape
    order = np.arange(n_points)
    capacity = max(1, 2 * n_points)
    first = np.empty(capacity, dtype=np.int64)
    last = np.empty(capacity, dtype=np.int64)
    children = np.full((capacity, 2), -1, dtype=np.int64)
    split_axis = np.full(capacity, -1, dtype=np.int64)
    lower = np.empty((capacity, width))
    upper = np.empty((capacity, width))
    stack = np.empty(capacity, dtype=np.int64)
    first[0], last[0] = 0, n_points
    n_nodes, depth = 1, 1
    stack[0] = 0
    while depth > 0:
        depth -= 1
        node = stack[depth]
        start, end = first[node], last[node]
        for k in range(width):
            smallest, largest = np.inf, -np.inf
            for i in range(start, end):
                value = points[order[i], k]
                smallest = min(smallest, value)
                largest = max(largest, value)
            lower[node, k], upper[node, k] = smallest, largest
        if end - start <= leaf_size:
            continue
        widest, extent = 0, -1.0
        for k in range(width):
            if upper[node, k] - lower[node, k] > extent:
                widest, extent = k, upper[node, k] - lower[node, k]
        if not extent > 0.0:
            continue  # all its points are equal: a leaf, however many
        middle = (start + end) // 2
        _select(order, points, widest, start, end, middle)
        split_axis[node] = widest
        for child in range(2):
            first[n_nodes] = start if child == 0 else middle
            last[n_nodes] = middle if child == 0 else end
            children[node, child] = n_nodes
            stack[depth] = n_nodes
            depth += 1
            n_nodes += 1
    sorted_points = np.empty((width, n_points))
    for i in range(n_points):
        for k in range(width):
            sorted_points[k, i] = points[order[i], k]
    return (sorted_points, order, first[:n_nodes].copy(), last[:n_nodes].copy(), children[:n_nodes].copy(),
            split_axis[:n_nodes].copy(), lower[:n_nodes].copy(), upper[:n_nodes].copy())


def build(points: np.ndarray, leaf_size: int = LEAF_SIZE) -> KDTree:
    """Build the tree over ``points`` [P, d] (as float64): nodes of more than ``leaf_size`` points split at the
    median of their widest coordinate."""
    points = np.ascontiguousarray(points, dtype=np.float64)
    if points.ndim != 2:
        raise ValueError(f"points must be a [P, d] array, got shape {points.shape}")
    return KDTree(*_build(points, leaf_size))


@numba.njit(inline="always")
def _beyond(lower, upper, node, query, limit):
    """Whether every point of ``node``'s box lies at maximum-norm distance > ``limit`` from ``query``; each
    coordinate difference is computed as brute force computes a point's (see the module docstring)."""
    for k in range(query.shape[0]):
        if lower[node, k] - query[k] > limit or query[k] - upper[node, k] > limit:
            return True
    return False


@numba.njit(inline="always")
def _at_least(lower, upper, node, query, limit):
    """Whether every point of ``node``'s box lies at maximum-norm distance >= ``limit`` from ``query``."""
    for k in range(query.shape[0]):
        if lower[node, k] - query[k] >= limit or query[k] - upper[node, k] >= limit:
            return True
    return False


@numba.njit(inline="always")
def _within(lower, upper, node, query, limit):
    """Whether every point of ``node``'s box lies at maximum-norm distance <= ``limit`` from ``query``."""
    for k in range(query.shape[0]):
        if query[k] - lower[node, k] > limit or upper[node, k] - query[k] > limit:
            return False
    return True


@numba.njit(inline="always")
def _node_distances(points, start, count, query, distances):
    """``distances[:count]``: maximum-norm distances from ``query`` of the tree's points ``start:start+count``
    (``points`` [d, P]); vectorised over the points."""
    # Loops over views from index 0 (range(count)) vectorise; range(start, end) does not.
    out = distances[:count]
    for j in range(count):
        out[j] = 0.0
    for k in range(query.shape[0]):
        column = points[k, start:start + count]
        coordinate = query[k]
        for j in range(count):
            out[j] = max(out[j], abs(column[j] - coordinate))
    return out


@numba.njit(cache=True, nogil=True)
def _count_from(node, query, limit, points, first, last, children, lower, upper, stack, buffer):
    """How many points of the subtree under ``node`` lie at distance <= ``limit`` from ``query``."""
    count = 0
    depth = 1
    stack[0] = node
    while depth > 0:
        depth -= 1
        node = stack[depth]
        if _beyond(lower, upper, node, query, limit):
            continue
        if _within(lower, upper, node, query, limit):
            count += last[node] - first[node]
        elif children[node, 0] < 0:
            distances = _node_distances(points, first[node], last[node] - first[node], query, buffer)
            for j in range(len(distances)):
                count += distances[j] <= limit
        else:
            stack[depth] = children[node, 0]
            stack[depth + 1] = children[node, 1]
            depth += 2
    return count


@numba.njit(cache=True, nogil=True)
def _count_within(points, first, last, children, lower, upper, queries, radius):
    counts = np.zeros(len(queries), dtype=np.int64)
    stack = np.empty(len(first) + 1, dtype=np.int64)
    buffer = np.empty(points.shape[1])
    for q in range(len(queries)):
        counts[q] = _count_from(0, queries[q], radius[q], points, first, last, children, lower, upper, stack, buffer)
    return counts


def count_within(tree: KDTree, queries: np.ndarray, radius: np.ndarray | float) -> np.ndarray:
    """For each query point, how many of the tree's points lie at maximum-norm distance <= its radius.

    Args:
        tree: From ``build``.
        queries: [Q, d] points (a query that is one of the tree's points counts itself).
        radius: [Q] or one value: the radius of each query.

    Returns:
        [Q] int64 counts.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float64)
    radius = np.ascontiguousarray(np.broadcast_to(radius, (len(queries),)), dtype=np.float64)
    return _count_within(tree.points, tree.first, tree.last, tree.children, tree.lower, tree.upper, queries, radius)


@numba.njit(inline="always")
def _insert(best, distance):
    """Insert ``distance`` into the ascending ``best``, dropping its last value."""
    position = len(best) - 1
    while position > 0 and best[position - 1] > distance:
        best[position] = best[position - 1]
        position -= 1
    best[position] = distance


@numba.njit(cache=True, nogil=True)
def _neighbourhoods(points, group, first, last, children, split_axis, lower, upper, radius, k):
    width, n_points = points.shape
    counts = np.zeros(n_points, dtype=np.int64)
    group_radius = np.empty(n_points)
    counts_in_group_radius = np.zeros(n_points, dtype=np.int64)
    best = np.empty(k)
    query = np.empty(width)
    stack = np.empty(len(first) + 1, dtype=np.int64)
    counted = np.zeros(len(first) + 1, dtype=np.bool_)
    buffer = np.empty(n_points)
    near = np.empty(n_points)  # distances of the points scanned one by one that may lie within the group radius
    whole = np.empty(len(first), dtype=np.int64)  # nodes counted whole
    for q in range(n_points):
        for axis in range(width):
            query[axis] = points[axis, q]
        limit = radius[q]
        own_group = group[q]
        best[:] = np.inf
        count, n_near, n_whole = 0, 0, 0
        depth = 1
        stack[0] = 0
        counted[0] = False
        while depth > 0:
            depth -= 1
            node = stack[depth]
            already_counted = counted[depth]
            if _beyond(lower, upper, node, query, limit):
                continue
            searched = _at_least(lower, upper, node, query, best[k - 1])
            if not already_counted and _within(lower, upper, node, query, limit):
                count += last[node] - first[node]
                whole[n_whole] = node
                n_whole += 1
                already_counted = True
            if already_counted and searched:
                continue
            if children[node, 0] < 0:
                start = first[node]
                distances = _node_distances(points, start, last[node] - start, query, buffer)
                if not already_counted:
                    for j in range(len(distances)):
                        count += distances[j] <= limit
                bound = min(best[k - 1], limit)
                candidates = 0
                for j in range(len(distances)):
                    candidates += distances[j] <= bound
                if candidates == 0:
                    continue
                for j in range(len(distances)):
                    distance = distances[j]
                    # The group radius ends at or below best[k - 1]: farther points neither change it nor lie
                    # within it.
                    if distance <= best[k - 1] and distance <= limit:
                        if not already_counted:
                            near[n_near] = distance
                            n_near += 1
                        if not searched and distance < best[k - 1] and group[start + j] == own_group:
                            _insert(best, distance)
            else:
                near_child, far_child = children[node, 0], children[node, 1]
                axis = split_axis[node]
                if query[axis] - upper[near_child, axis] > lower[far_child, axis] - query[axis]:
                    near_child, far_child = far_child, near_child
                stack[depth], counted[depth] = far_child, already_counted  # popped after the nearer child
                stack[depth + 1], counted[depth + 1] = near_child, already_counted
                depth += 2
        kth = best[k - 1]
        within_kth = 0
        for j in range(n_near):
            within_kth += near[j] <= kth
        for j in range(n_whole):
            within_kth += _count_from(whole[j], query, kth, points, first, last, children, lower, upper, stack, buffer)
        counts[q] = count
        group_radius[q] = kth
        counts_in_group_radius[q] = within_kth
    return counts, group_radius, counts_in_group_radius


class Neighbourhoods(NamedTuple):
    """What ``neighbourhoods`` finds around each point (all counts include the point itself).

    Attributes:
        counts: [P] how many points lie within the point's radius.
        group_radius: [P] the k-th smallest distance to the points of the point's own group.
        counts_in_group_radius: [P] how many points (of any group) lie within ``group_radius``.
    """

    counts: np.ndarray
    group_radius: np.ndarray
    counts_in_group_radius: np.ndarray


def neighbourhoods(tree: KDTree, groups: np.ndarray, radius: np.ndarray, k: int) -> Neighbourhoods:
    """For each of the tree's own points, in one search of the tree: the points within its radius, the k-th
    smallest distance to the points of its own group, and the points within that distance.

    Args:
        tree: From ``build``.
        groups: [P] group of each point, in the caller's order.
        radius: [P] radius of each point, in the caller's order; at least k points of the point's group (itself
            included) must lie within it, for only points within it are searched.
        k: Which distance within the group (1 = the smallest, the point itself).

    Returns:
        Each array [P] in the caller's order.
    """
    if not k >= 1:
        raise ValueError(f"k must be at least 1, got {k}")
    found = _neighbourhoods(
        tree.points, np.ascontiguousarray(np.asarray(groups)[tree.order], dtype=np.int64), tree.first, tree.last,
        tree.children, tree.split_axis, tree.lower, tree.upper,
        np.ascontiguousarray(np.asarray(radius, dtype=np.float64)[tree.order]), k)
    in_caller_order = []
    for values in found:
        result = np.empty_like(values)
        result[tree.order] = values
        in_caller_order.append(result)
    return Neighbourhoods(*in_caller_order)


@numba.njit(inline="always")
def _distance(points, i, query):
    """Maximum-norm distance of row i of ``points`` [P, d] from ``query``."""
    distance = 0.0
    for k in range(query.shape[0]):
        distance = max(distance, abs(points[i, k] - query[k]))
    return distance


@numba.njit(cache=True, nogil=True)
def _kth_distance_within_blocks(points, block, k):
    n_points = len(points)
    result = np.empty(n_points)
    best = np.empty(k)
    for start in range(0, n_points, block):
        for i in range(start, start + block):
            best[:] = np.inf
            for j in range(start, start + block):
                distance = _distance(points, j, points[i])
                if distance < best[k - 1]:
                    _insert(best, distance)
            result[i] = best[k - 1]
    return result


def kth_distance_within_blocks(points: np.ndarray, block: int, k: int) -> np.ndarray:
    """For points [P, d] in consecutive blocks of ``block`` points: each point's k-th smallest maximum-norm
    distance to the points of its own block, itself included (distance 0), by brute force."""
    points = np.ascontiguousarray(points, dtype=np.float64)
    if len(points) % block or not 1 <= k <= block:
        raise ValueError(f"{len(points)} points do not split into blocks of {block} with k = {k} <= {block}")
    return _kth_distance_within_blocks(points, block, k)
