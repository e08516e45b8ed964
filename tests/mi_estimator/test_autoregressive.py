"""Autoregressive (MADE) entropies on layers of known H(T) and I(T;Y)."""

import numpy as np
import pytest

from deep_bottleneck import plugins
from deep_bottleneck.mi_estimator.autoregressive import discretise, made_masks
from deep_bottleneck.mi_estimator.base import estimate


@pytest.mark.parametrize("k, n_rows", [(10, 12000)])
def test_uniform_patterns_with_a_noisy_label_are_within_a_tenth_of_a_bit(k, n_rows):
    """T uniform over 2**k patterns, Y = the last unit with 10 % flipped: H(T) = k, I(T;Y) = 1 - h(0.1)."""
    rng = np.random.default_rng(k)
    layer = rng.integers(0, 2, size=(n_rows, k)).astype(np.float32)
    labels = np.where(rng.random(n_rows) < 0.1, 1 - layer[:, -1], layer[:, -1]).astype(int)
    estimator = plugins.load_plugin("estimator", "mi_estimator.autoregressive")
    mi_xt, mi_ty = estimate(estimator, layer, labels)
    assert mi_xt == pytest.approx(k, abs=0.1)
    assert mi_ty == pytest.approx(1 + 0.1 * np.log2(0.1) + 0.9 * np.log2(0.9), abs=0.1)


def test_each_output_sees_only_earlier_units_and_the_label():
    to_hidden, to_output, direct = made_masks(width=4, n_bins=2, n_labels=3, hidden_units=9)
    reach = (to_hidden @ to_output > 0) | (direct > 0)  # [inputs, outputs]
    unit_of_input = np.concatenate([np.repeat(np.arange(4), 2), [-1, -1, -1]])
    unit_of_output = np.repeat(np.arange(4), 2)
    assert np.array_equal(reach, unit_of_input[:, None] < unit_of_output[None, :])


def test_units_are_binned_over_their_own_range():
    codes = discretise(np.array([[0.0, 5.0], [1.0, 5.0], [0.5, 5.0]]), 4)
    assert codes.tolist() == [[0, 0], [3, 0], [2, 0]]


def test_only_the_chosen_snapshots_are_estimated():
    estimator = plugins.load_plugin("estimator", "mi_estimator.autoregressive", at_epochs=[0, 100])
    assert [estimator.estimates_epoch(epoch) for epoch in (0, 1, 100)] == [True, False, True]


def test_kernels_drawn_inside_the_compiled_fit_equal_those_keras_draws_when_building():
    """The JAX path builds the MADE with zero kernels and draws them inside its compiled program (sparing a
    random-number program compiled per shape); the draws are Keras's, bit for bit."""
    import jax

    from deep_bottleneck.mi_estimator.autoregressive import MaskedDense, build_made

    drawn = build_made(5, 4, 2, 9, 0.01, 7, np.zeros(5 * 4))
    later = build_made(5, 4, 2, 9, 0.01, 7, np.zeros(5 * 4), kernels_set_later=True)
    pairs = [(a, b) for a, b in zip(drawn.layers, later.layers) if isinstance(a, MaskedDense)]
    assert len(pairs) == 3
    for eager, deferred in pairs:
        assert not np.asarray(deferred.kernel.value).any()
        np.testing.assert_array_equal(np.asarray(jax.jit(deferred.initial_kernel)()), np.asarray(eager.kernel.value))
