"""Train a compiled Keras model with Keras callbacks, fast on the JAX backend.

On JAX, ``keras.Model.fit`` spends most of an epoch of a small net in Python bookkeeping
(about 3x a hand-written ``jax.jit`` loop here). ``train`` therefore runs its own loop on JAX:
each epoch is one compiled program (the batches in a ``lax.scan`` of steps built from the model's
``stateless_call`` and the optimizer's ``stateless_apply``, then the validation metrics), with the
same shuffling, loss and metrics as ``fit``, and the callbacks' epoch hooks (batch hooks are not
called). Non-trainable state (batch
normalisation's moving statistics) is carried from step to step as ``fit`` carries it. Models whose loss Keras
cannot name, and other backends, use ``model.fit``. On the epochs a callback asks for gradient statistics, a second
compiled program runs the same steps and also returns the mean and standard deviation of every weight's gradient
over the epoch's minibatches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Container, Sequence

import keras
import numpy as np

from deep_bottleneck.checkpoint_file import TrainingState
from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.stop_request import raise_if_requested

LOG_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def train(
    model: keras.Model,
    training: DataSplit,
    validation: DataSplit,
    epochs: int,
    batch_size: int,
    callbacks: Sequence[keras.callbacks.Callback],
    seed: int,
    start: TrainingState | None = None,
    on_state: Callable[[TrainingState], None] | None = None,
    state_epochs: Container[int] = (),
) -> None:
    """Fit ``model`` on ``training`` and evaluate on ``validation`` after every epoch.

    Callbacks receive ``logs`` with ``loss``, ``accuracy``, ``val_loss`` and ``val_accuracy``
    at the end of every epoch and may stop training with ``model.stop_training = True``.
    As in ``fit``, ``loss`` and ``val_loss`` include the model's own losses (``model.losses``:
    regularizers and ``add_loss``). On JAX the validation data is evaluated in one batch, so an
    ``add_loss`` term that is not a mean over rows gives a ``val_loss`` other than ``fit``'s.

    Args:
        model: A compiled model with one softmax output and a loss Keras can name.
        training: Data the model is fitted on.
        validation: Data evaluated after every epoch.
        epochs: Number of epochs.
        batch_size: Rows per gradient step.
        callbacks: Keras callbacks. A callback with ``wants_gradient_moments(epoch) -> bool`` also gets
            ``on_gradient_moments(epoch, GradientMoments)`` before ``on_epoch_end`` of the epochs it wants:
            the statistics of that epoch's minibatch gradients (JAX only).
        seed: Seed of the shuffling.
        start: Where to continue from (a ``TrainingState`` that ``on_state`` was given): training goes on from the
            epoch after ``start.epoch`` exactly as it would have gone on then (JAX only).
        on_state: Receives the ``TrainingState`` after the epochs in ``state_epochs`` (after the callbacks'
            ``on_epoch_end``) and after the last epoch trained (``finished``). Not called on the ``model.fit`` path.
        state_epochs: The epochs whose state ``on_state`` receives.

    Raises:
        DeepBottleneckError: A callback wants gradient statistics, which only the JAX path records.
        ValueError: ``start`` is given on the ``model.fit`` path.
    """
    if keras.backend.backend() == "jax" and loss_function(model) is not None:
        _train_jax(model, training, validation, epochs, batch_size, list(callbacks), seed, start, on_state,
                   state_epochs)
    else:
        if start is not None:
            raise ValueError("training resumes from a state only on the JAX path")
        if any(hasattr(callback, "wants_gradient_moments") for callback in callbacks):
            raise DeepBottleneckError(
                f"Gradient statistics (plotter.snr) are recorded on the JAX backend with a model whose loss Keras "
                f"can name; this run uses {keras.backend.backend()!r}. Set KERAS_BACKEND=jax or drop plotter.snr.")
        model.fit(
            training.X, training.Y, batch_size=batch_size, epochs=epochs, verbose=0,
            validation_data=(validation.X, validation.Y), callbacks=list(callbacks), shuffle=True,
        )


def loss_function(model: keras.Model):
    """The per-row loss function of a compiled model, or None when Keras cannot name its loss."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, str) or callable(loss):
        try:
            return keras.losses.get(loss)
        except ValueError:
            return None
    return None


def _train_jax(
    model: keras.Model, training: DataSplit, validation: DataSplit, epochs: int,
    batch_size: int, callbacks: list, seed: int, start: TrainingState | None = None,
    on_state: Callable[[TrainingState], None] | None = None, state_epochs: Container[int] = (),
) -> None:
    import jax
    import jax.numpy as jnp

    program = EpochProgram(model, len(training.X), batch_size)
    optimizer = model.optimizer
    rng = np.random.default_rng(seed)
    first_epoch = 0
    if start is not None:
        restore(model, start)
        rng.bit_generator.state = start.shuffle_state
        first_epoch = start.epoch + 1
    n_rows, n_full, remainder = program.n_rows, program.n_full, program.remainder
    train_epoch = jax.jit(program.train_epoch)

    listeners = [callback for callback in callbacks if hasattr(callback, "wants_gradient_moments")]
    epoch_with_moments = jax.jit(_epoch_with_gradient_moments(
        program.step_and_gradients, program.evaluate, n_full, remainder, batch_size)) if listeners else None
    state = program.initial_state()
    x_all, y_all = jnp.asarray(training.X), jnp.asarray(training.Y)
    x_val, y_val = jnp.asarray(validation.X), jnp.asarray(validation.Y)
    callback_list = keras.callbacks.CallbackList(callbacks, model=model, epochs=epochs, verbose=0)
    model.stop_training = False
    callback_list.on_train_begin()
    try:
        for epoch in range(first_epoch, epochs):
            raise_if_requested()
            callback_list.on_epoch_begin(epoch)
            order = rng.permutation(n_rows).astype(np.int32)
            wanting = [listener for listener in listeners if listener.wants_gradient_moments(epoch)]
            if wanting:
                state, reported, moments = epoch_with_moments(state, order, x_all, y_all, x_val, y_val)
            else:
                state, reported = train_epoch(state, order, x_all, y_all, x_val, y_val)
            loss_sum, n_correct, val_loss, val_accuracy = np.asarray(reported).tolist()
            assign_values(model.trainable_variables, state[0])
            assign_values(model.non_trainable_variables, state[1])
            for listener in wanting:
                listener.on_gradient_moments(epoch, GradientMoments(
                    [np.asarray(m) for m in moments[0]], [np.asarray(s) for s in moments[1]], n_full + (remainder > 0)))
            logs = {
                "loss": loss_sum / n_rows, "accuracy": n_correct / n_rows,
                "val_loss": val_loss, "val_accuracy": val_accuracy,
            }
            callback_list.on_epoch_end(epoch, logs)
            # Callbacks may replace the variables' buffers (Keras' predict donates them).
            state = (_values(model.trainable_variables), _values(model.non_trainable_variables), state[2])
            finished = model.stop_training or epoch == epochs - 1
            if on_state is not None and (finished or epoch in state_epochs):
                on_state(TrainingState(epoch, *([np.asarray(value) for value in part] for part in state),
                                       rng.bit_generator.state, finished))
            if model.stop_training:
                break
    finally:
        assign_values(model.trainable_variables, state[0])
        assign_values(model.non_trainable_variables, state[1])
        assign_values(optimizer.variables, state[2])
        callback_list.on_train_end()


class EpochProgram:
    """The pure functions of one epoch of training ``model`` (not yet compiled): ``train_epoch(state, order, x_all,
    y_all, x_val, y_val) -> (state, [loss sum, correct count, val_loss, val_accuracy])`` runs the minibatches of
    ``order`` in a ``lax.scan`` of steps built from the model's ``stateless_call`` and the optimizer's
    ``stateless_apply``, then evaluates the validation data in one batch. ``state`` is ``(trainable, non_trainable,
    optimizer variables)`` as lists of arrays. The functions close over ``model`` only for its structure, so they
    train any model of the same architecture given its state (``jax.vmap`` over a stack of states trains several).

    Args:
        model: A compiled model whose loss Keras can name.
        n_rows: Training rows per epoch.
        batch_size: Rows per gradient step.
    """

    def __init__(self, model: keras.Model, n_rows: int, batch_size: int) -> None:
        self.model = model
        self.loss_fn = loss_function(model)
        self.optimizer = model.optimizer
        if not self.optimizer.built:
            self.optimizer.build(model.trainable_variables)
        self.n_rows = n_rows
        self.batch_size = batch_size
        self.n_full, self.remainder = divmod(n_rows, batch_size)

    def initial_state(self) -> tuple[list, list, list]:
        """The model's and its optimizer's current variables as a state."""
        return (_values(self.model.trainable_variables), _values(self.model.non_trainable_variables),
                _values(self.optimizer.variables))

    def forward_loss(self, trainable, non_trainable, x, y):
        import jax.numpy as jnp

        probabilities, non_trainable, losses = self.model.stateless_call(
            trainable, non_trainable, x, training=True, return_losses=True)
        per_row = self.loss_fn(y, probabilities)
        added = _added_loss(losses, per_row.dtype)
        correct = jnp.argmax(probabilities, axis=-1) == jnp.argmax(y, axis=-1)
        # fit reports the batch-size-weighted mean over batches of (mean loss + added losses).
        return per_row.mean() + added, (non_trainable, per_row.sum() + added * len(x), correct.sum())

    def step_and_gradients(self, carry, rows, x_all, y_all):
        import jax
        import jax.numpy as jnp

        state, totals = carry
        trainable, non_trainable, optimizer_state = state
        x, y = jnp.take(x_all, rows, axis=0), jnp.take(y_all, rows, axis=0)
        (_, (non_trainable, loss_sum, n_correct)), grads = jax.value_and_grad(
            self.forward_loss, has_aux=True)(trainable, non_trainable, x, y)
        trainable, optimizer_state = self.optimizer.stateless_apply(optimizer_state, grads, trainable)
        return ((trainable, non_trainable, optimizer_state), (totals[0] + loss_sum, totals[1] + n_correct)), grads

    def train_step(self, carry, rows, x_all, y_all):
        return self.step_and_gradients(carry, rows, x_all, y_all)[0]

    def evaluate(self, trainable, non_trainable, x, y):
        import jax.numpy as jnp

        probabilities, _, losses = self.model.stateless_call(
            trainable, non_trainable, x, training=False, return_losses=True)
        per_row = self.loss_fn(y, probabilities)
        correct = jnp.argmax(probabilities, axis=-1) == jnp.argmax(y, axis=-1)
        return jnp.stack([per_row.mean() + _added_loss(losses, per_row.dtype), correct.mean()])

    def train_epoch(self, state, order, x_all, y_all, x_val, y_val):
        """One epoch in one program: the full batches in a loop, then the last, smaller one."""
        import jax
        import jax.numpy as jnp

        n_full, remainder, batch_size = self.n_full, self.remainder, self.batch_size
        carry = (state, (jnp.zeros(()), jnp.zeros((), dtype=jnp.int32)))
        if n_full:
            carry, _ = jax.lax.scan(lambda c, rows: (self.train_step(c, rows, x_all, y_all), None),
                                    carry, order[:n_full * batch_size].reshape(n_full, batch_size))
        if remainder:
            carry = self.train_step(carry, order[n_full * batch_size:], x_all, y_all)
        state, (loss_sum, n_correct) = carry
        validation_metrics = self.evaluate(state[0], state[1], x_val, y_val)
        return state, jnp.concatenate([jnp.stack([loss_sum, n_correct.astype(loss_sum.dtype)]), validation_metrics])


def _added_loss(losses, dtype):
    import jax.numpy as jnp

    return sum((jnp.sum(loss).astype(dtype) for loss in losses), jnp.zeros((), dtype))


@dataclass
class GradientMoments:
    """Statistics of one epoch's minibatch gradients, one array per trainable variable (in the order of
    ``model.trainable_variables``): the mean over the epoch's minibatches and the standard deviation
    (``np.std``'s, over minibatches), each of the variable's shape."""

    mean: list[np.ndarray]
    std: list[np.ndarray]
    n_batches: int


def _epoch_with_gradient_moments(step_and_gradients, evaluate, n_full: int, remainder: int, batch_size: int):
    """The epoch program of ``_train_jax`` that also returns each variable's gradient mean and standard
    deviation over the epoch's minibatches (running Welford sums in the loop, so memory does not grow with
    the number of batches). It trains exactly as the plain program; it is run only on the epochs a callback
    asks for."""
    import jax
    import jax.numpy as jnp

    def accumulate(moments, gradients, count):
        means, squares = moments
        deltas = [g - m for g, m in zip(gradients, means)]
        means = [m + d / count for m, d in zip(means, deltas)]
        squares = [s + d * (g - m) for s, d, g, m in zip(squares, deltas, gradients, means)]
        return means, squares

    def step(carry, rows, count, x_all, y_all):
        training_carry, moments = carry
        training_carry, gradients = step_and_gradients(training_carry, rows, x_all, y_all)
        return training_carry, accumulate(moments, gradients, count)

    def epoch(state, order, x_all, y_all, x_val, y_val):
        zeros = [jnp.zeros_like(value) for value in state[0]]
        carry = ((state, (jnp.zeros(()), jnp.zeros((), dtype=jnp.int32))), (zeros, zeros))
        if n_full:
            counts = jnp.arange(1, n_full + 1, dtype=jnp.float32)
            carry, _ = jax.lax.scan(lambda c, xs: (step(c, xs[0], xs[1], x_all, y_all), None),
                                    carry, (order[:n_full * batch_size].reshape(n_full, batch_size), counts))
        if remainder:
            carry = step(carry, order[n_full * batch_size:], jnp.float32(n_full + 1), x_all, y_all)
        (state, (loss_sum, n_correct)), (means, squares) = carry
        n_batches = n_full + (1 if remainder else 0)
        stds = [jnp.sqrt(jnp.maximum(s / n_batches, 0)) for s in squares]
        validation_metrics = evaluate(state[0], state[1], x_val, y_val)
        reported = jnp.concatenate([jnp.stack([loss_sum, n_correct.astype(loss_sum.dtype)]), validation_metrics])
        return state, reported, (means, stds)

    return epoch


def restore(model: keras.Model, state: TrainingState) -> None:
    """Set ``model``'s variables and its optimizer's (built if it is not yet) to those of ``state``."""
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    for variables, values in ((model.trainable_variables, state.trainable),
                              (model.non_trainable_variables, state.non_trainable),
                              (model.optimizer.variables, state.optimizer)):
        if len(variables) != len(values):
            raise ValueError(f"the stored state has {len(values)} variables where the model has {len(variables)}")
        assign_values(variables, values)


def _values(variables) -> list:
    return [variable.value for variable in variables]


def assign_values(variables, values) -> None:
    """Set each Keras variable to the value of the same position."""
    for variable, value in zip(variables, values):
        variable.assign(value)
