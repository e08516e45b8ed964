"""Autoregressive density models of a discretised layer (seed 002, "Tractability of the information
bottleneck for deep networks"): H(T) and H(T|Y) as held-out negative log-likelihoods.

Each unit is discretised into ``n_bins`` equal bins over its observed range in the snapshot. On a random
``train_fraction`` of the rows two autoregressive models are fitted, p(t) = prod_j p(t_j | t_<j) and
p(t | y) = prod_j p(t_j | t_<j, y) (the second also sees the one-hot label); each is a MADE network
(Germain et al. 2015: one masked hidden layer plus masked direct connections, a softmax over the bins
of every unit), trained with Keras on the configured backend. H(T) and H(T|Y) are their mean negative
log-likelihoods on the remaining rows, so

    I(X;T) = H(T)           (a deterministic net: H(T|X) = 0)
    I(T;Y) = H(T) - H(T|Y)

in bits, clipped to [0, log2 N] and [0, H(Y)], the ranges of the true values on N rows. A held-out
likelihood is a cross-entropy, so H(T) is overestimated by what the model fails to learn.

Cost: two model fits per snapshot and layer (``fit_epochs`` epochs each). ``at_epochs`` limits the
snapshots estimated; the others are left out of the measures.
"""

from __future__ import annotations

import functools
from typing import Sequence

import keras
import numpy as np

from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.mi_estimator.base import each_snapshot, entropy_bits
from deep_bottleneck.training import train


def discretise(activations: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index in [0, n_bins) of every value of [N, d], equal bins over each unit's observed range."""
    activations = np.asarray(activations, dtype=np.float64)
    low, high = activations.min(axis=0), activations.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return np.clip(np.floor((activations - low) / span * n_bins), 0, n_bins - 1).astype(np.int64)


def made_masks(width: int, n_bins: int, n_labels: int, hidden_units: int) -> tuple[np.ndarray, ...]:
    """Masks of a MADE over ``width`` units of ``n_bins`` one-hot inputs each, and ``n_labels`` label inputs
    (degree 0, seen by every output): input -> hidden, hidden -> output and input -> output (direct)."""
    input_degree = np.concatenate([np.repeat(np.arange(1, width + 1), n_bins), np.zeros(n_labels, dtype=int)])
    hidden_degree = np.arange(hidden_units) % max(width - 1, 1) + 1
    output_degree = np.repeat(np.arange(1, width + 1), n_bins)
    to_hidden = (input_degree[:, None] <= hidden_degree[None, :]).astype(np.float32)
    to_output = (hidden_degree[:, None] < output_degree[None, :]).astype(np.float32)
    direct = (input_degree[:, None] < output_degree[None, :]).astype(np.float32)
    return to_hidden, to_output, direct


class MaskedDense(keras.layers.Layer):
    """Dense layer whose kernel is multiplied by a fixed 0/1 mask [inputs, outputs]."""

    def __init__(self, mask: np.ndarray, activation: str | None, seed: int, use_bias: bool = True,
                 initial_bias: np.ndarray | None = None, kernel_set_later: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.mask = mask
        self.initial_bias = initial_bias
        self.activation = keras.activations.get(activation)
        self.seed = seed
        self.use_bias = use_bias
        self.kernel_set_later = kernel_set_later

    def initial_kernel(self):
        """The kernel's initial value (Glorot uniform from the layer's seed); traceable inside a compiled program."""
        return keras.initializers.GlorotUniform(seed=self.seed)(self.mask.shape)

    def build(self, input_shape):
        # Drawing the initial kernel here runs a random-number program compiled for this shape; a caller that
        # sets the kernel to ``initial_kernel()`` inside its own compiled program asks for zeros instead.
        initializer = "zeros" if self.kernel_set_later else keras.initializers.GlorotUniform(seed=self.seed)
        self.kernel = self.add_weight(shape=self.mask.shape, name="kernel", initializer=initializer)
        initializer = "zeros" if self.initial_bias is None else keras.initializers.Constant(self.initial_bias)
        self.bias = (self.add_weight(shape=(self.mask.shape[1],), name="bias", initializer=initializer)
                     if self.use_bias else None)

    def call(self, inputs):
        outputs = keras.ops.matmul(inputs, self.kernel * keras.ops.convert_to_tensor(self.mask))
        return self.activation(outputs + self.bias if self.use_bias else outputs)


class LastLogs(keras.callbacks.Callback):
    """Keeps the logs of the last epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.logs: dict = {}

    def on_epoch_end(self, epoch, logs=None):
        self.logs = dict(logs or {})


def build_made(width: int, n_bins: int, n_labels: int, hidden_units: int, learning_rate: float, seed: int,
               marginal_log_probabilities: np.ndarray, kernels_set_later: bool = False) -> keras.Model:
    """A compiled Keras MADE: inputs [one-hot bins of every unit, one-hot label], output [N, width, n_bins].

    The output biases start at ``marginal_log_probabilities`` [width * n_bins], so that training starts
    from the model of independent units and only has to learn their dependences. With ``kernels_set_later``
    the kernels start at zero, for a caller that sets each to its layer's ``initial_kernel()``."""
    to_hidden, to_output, direct = made_masks(width, n_bins, n_labels, hidden_units)
    inputs = keras.Input(shape=(to_hidden.shape[0],))
    hidden = MaskedDense(to_hidden, "relu", seed, kernel_set_later=kernels_set_later)(inputs)
    logits = keras.layers.Add()([MaskedDense(to_output, None, seed + 1, initial_bias=marginal_log_probabilities,
                                             kernel_set_later=kernels_set_later)(hidden),
                                 MaskedDense(direct, None, seed + 2, use_bias=False,
                                             kernel_set_later=kernels_set_later)(inputs)])
    probabilities = keras.layers.Softmax()(keras.layers.Reshape((width, n_bins))(logits))
    model = keras.Model(inputs, probabilities)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy")
    return model


@functools.lru_cache(maxsize=16)
def compiled_jax_fit(width: int, n_bins: int, n_labels: int, hidden_units: int, learning_rate: float, seed: int,
                     n_fitted: int, batch_size: int, fit_epochs: int):
    """On JAX: one compiled program that trains a MADE from its initial weights (output biases given) on
    ``n_fitted`` rows and returns the mean negative log-likelihood in nats of held-out rows. Compiled once per
    shape and reused for every snapshot; training order and held-out rows are arguments."""
    import jax
    import jax.numpy as jnp

    model = build_made(width, n_bins, n_labels, hidden_units, learning_rate, seed, np.zeros(width * n_bins),
                       kernels_set_later=True)
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    initial = [variable.value for variable in model.trainable_variables]
    kernels = {id(layer.kernel): layer for layer in model.layers if isinstance(layer, MaskedDense)}
    kernel_layers = {index: kernels[id(variable)] for index, variable in enumerate(model.trainable_variables)
                     if id(variable) in kernels}
    bias_index = next(i for i, variable in enumerate(model.trainable_variables)
                      if variable.path.endswith("bias") and variable.shape == (width * n_bins,))
    non_trainable = [variable.value for variable in model.non_trainable_variables]
    optimizer_initial = [variable.value for variable in optimizer.variables]
    n_batches, remainder = divmod(n_fitted, batch_size)

    def negative_log_likelihood(trainable, inputs, targets):
        probabilities, _ = model.stateless_call(trainable, non_trainable, inputs)
        return -(targets * jnp.log(jnp.clip(probabilities, 1e-12, 1.0))).sum(axis=(1, 2)).mean()

    def step(state, rows, inputs, targets):
        trainable, optimizer_state = state
        grads = jax.grad(negative_log_likelihood)(trainable, inputs[rows], targets[rows])
        trainable, optimizer_state = optimizer.stateless_apply(optimizer_state, grads, trainable)
        return trainable, optimizer_state

    def epoch(state, order, inputs, targets):
        if n_batches:
            state, _ = jax.lax.scan(lambda s, rows: (step(s, rows, inputs, targets), None), state,
                                    order[:n_batches * batch_size].reshape(n_batches, batch_size))
        if remainder:
            state = step(state, order[n_batches * batch_size:], inputs, targets)
        return state

    # The initial weights and optimizer state are arguments, not constants of the program: XLA would fold
    # large constants at compile time (slowly, with "slow operation" alarms on a busy machine).
    @jax.jit
    def fit_and_score(start, optimizer_start, output_bias, orders, inputs, targets, held_inputs, held_targets):
        trainable = list(start)
        for index, layer in kernel_layers.items():
            trainable[index] = layer.initial_kernel()
        trainable[bias_index] = output_bias.astype(trainable[bias_index].dtype)
        state = (trainable, list(optimizer_start))
        state, _ = jax.lax.scan(lambda s, order: (epoch(s, order, inputs, targets), None), state, orders)
        return negative_log_likelihood(state[0], held_inputs, held_targets)

    return functools.partial(fit_and_score, initial, optimizer_initial)


class AutoregressiveEstimator:
    """H(T) and H(T|Y) from MADE models fitted on part of the rows, evaluated on the rest.

    Args:
        n_bins: Bins per unit (B).
        fit_epochs: Epochs each model is trained.
        hidden_units: Width of the MADE's hidden layer.
        train_fraction: Share of the rows the models are fitted on.
        batch_size: Rows per gradient step.
        learning_rate: Adam's learning rate.
        at_epochs: Only the snapshots of these training epochs are estimated (None: all).
        seed: Seed of the split of the rows, the initial weights and the shuffling.
    """

    def __init__(self, n_bins: int = 32, fit_epochs: int = 30, hidden_units: int = 64, train_fraction: float = 0.7,
                 batch_size: int = 64, learning_rate: float = 0.01, at_epochs: Sequence[int] | None = None,
                 seed: int = 0) -> None:
        for name, value in (("n_bins", n_bins), ("fit_epochs", fit_epochs), ("hidden_units", hidden_units),
                            ("batch_size", batch_size)):
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0 < train_fraction < 1:
            raise ValueError(f"train_fraction must lie between 0 and 1, got {train_fraction}")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be greater than 0, got {learning_rate}")
        self.n_bins = n_bins
        self.fit_epochs = fit_epochs
        self.hidden_units = hidden_units
        self.train_fraction = float(train_fraction)
        self.batch_size = batch_size
        self.learning_rate = float(learning_rate)
        self.at_epochs = None if at_epochs is None else frozenset(int(epoch) for epoch in at_epochs)
        self.seed = seed

    def estimates_epoch(self, epoch: int) -> bool:
        """Whether the snapshot of training epoch ``epoch`` is estimated (see ``at_epochs``)."""
        return self.at_epochs is None or int(epoch) in self.at_epochs

    def held_out_entropy_bits(self, codes: np.ndarray, labels: np.ndarray | None, fitted: np.ndarray) -> float:
        """Mean negative log-likelihood in bits on the rows not in ``fitted`` of a MADE fitted on those in it."""
        n_rows, width = codes.shape
        targets = np.eye(self.n_bins, dtype=np.float32)[codes]
        inputs = targets.reshape(n_rows, width * self.n_bins)
        if labels is not None:
            inputs = np.concatenate([inputs, np.eye(int(labels.max()) + 1, dtype=np.float32)[labels]], axis=1)
        # Bins seen in no fitted row get a small count, so that a held-out row in them costs finitely much.
        counts = targets[fitted].sum(axis=0) + 0.01
        marginal = np.log(counts / counts.sum(axis=1, keepdims=True)).reshape(-1)
        n_labels = inputs.shape[1] - width * self.n_bins
        held_out = ~fitted
        if keras.backend.backend() == "jax":
            fit_and_score = compiled_jax_fit(width, self.n_bins, n_labels, self.hidden_units, self.learning_rate,
                                             self.seed, int(fitted.sum()), self.batch_size, self.fit_epochs)
            rng = np.random.default_rng(self.seed)
            orders = np.stack([rng.permutation(int(fitted.sum())) for _ in range(self.fit_epochs)]).astype(np.int32)
            nats = fit_and_score(marginal.astype(np.float32), orders, inputs[fitted], targets[fitted],
                                 inputs[held_out], targets[held_out])
            return float(nats) / np.log(2.0)
        model = build_made(width, self.n_bins, n_labels, self.hidden_units, self.learning_rate, self.seed, marginal)
        # train() reports val_loss as the mean over rows and units of the cross-entropy, in nats.
        last = LastLogs()
        train(model, DataSplit(inputs[fitted], codes[fitted], targets[fitted]),
              DataSplit(inputs[held_out], codes[held_out], targets[held_out]),
              self.fit_epochs, self.batch_size, [last], self.seed)
        return float(last.logs["val_loss"]) * width / np.log(2.0)

    def estimate_one(self, activations: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """I(X;T) and I(T;Y) in bits for one [N, d] snapshot."""
        labels = np.asarray(labels, dtype=np.int64)
        n_rows = len(labels)
        codes = discretise(activations, self.n_bins)
        fitted = np.zeros(n_rows, dtype=bool)
        fitted[np.random.default_rng(self.seed).permutation(n_rows)[:int(round(self.train_fraction * n_rows))]] = True
        h_t = self.held_out_entropy_bits(codes, None, fitted)
        h_t_given_y = self.held_out_entropy_bits(codes, labels, fitted)
        return (float(np.clip(h_t, 0.0, np.log2(n_rows))),
                float(np.clip(h_t - h_t_given_y, 0.0, entropy_bits(labels))))

    def estimate_snapshots(self, activations: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """I(X;T) and I(T;Y) in bits for each snapshot of ``activations`` [S, N, d]."""
        return each_snapshot(self.estimate_one, activations, labels)


def load(discretization_range: float | None = None, n_bins: int = 32, fit_epochs: int = 30, hidden_units: int = 64,
         train_fraction: float = 0.7, batch_size: int = 64, learning_rate: float = 0.01,
         at_epochs: list[int] | None = None, seed: int = 0) -> AutoregressiveEstimator:
    """Estimator plug-in entry point; see ``AutoregressiveEstimator``. ``discretization_range`` is accepted
    because the original's single-estimator config passes it, and not used: bins are ``n_bins`` per unit."""
    return AutoregressiveEstimator(n_bins, fit_epochs, hidden_units, train_fraction, batch_size, learning_rate,
                                   at_epochs, seed)
