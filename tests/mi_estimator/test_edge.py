"""EDGE on a discrete layer, against the error its module documents, and its saturation warning."""

import numpy as np
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.mi_estimator import edge
from deep_bottleneck.mi_estimator.base import estimate


@pytest.mark.parametrize("k", [2, 6])
def test_uniform_patterns_within_the_documented_error(k):
    """T uniform over the 2**k patterns of k binary units (floor hashing), Y = the first unit with 10 % flipped:
    I(X;T) = H(T) = k, I(T;Y) = 1 - h(0.1)."""
    n_rows, collision_factor = 20000, 64
    rng = np.random.default_rng(k)
    layer = rng.integers(0, 2, size=(n_rows, k)).astype(np.float32)
    labels = np.where(rng.random(n_rows) < 0.1, 1 - layer[:, 0], layer[:, 0]).astype(int)
    estimator = plugins.load_plugin("estimator", "mi_estimator.edge", discretization_range=0.5,
                                    collision_factor=collision_factor)
    mi_xt, mi_ty = estimate(estimator, layer, labels)
    distinct = 2**k
    documented = (distinct - 1) / (2 * n_rows * np.log(2)) + distinct / (collision_factor * n_rows)
    sampling = 0.01  # a few standard deviations of the plug-in estimates at 20000 rows
    assert mi_xt == pytest.approx(k, abs=documented + sampling)
    h_flip = -(0.1 * np.log2(0.1) + 0.9 * np.log2(0.9))
    assert mi_ty == pytest.approx(1 - h_flip, abs=documented + sampling)


def test_a_saturated_estimate_warns():
    rows = np.random.default_rng(0).normal(size=(1000, 3))
    with pytest.warns(edge.EDGESaturationWarning, match="saturated at its ceiling of 9.966 bits"):
        mi_xt, _ = estimate(edge.load(1e-4), rows, np.arange(1000) % 2)
    assert mi_xt == pytest.approx(np.log2(1000), abs=2 * 1000 / 2**16)  # up to what H2 collisions take


def test_unknown_hashing_is_rejected():
    with pytest.raises(ValueError, match="hashing must be one of auto, floor, p-stable"):
        edge.load(0.1, hashing="cosine")
