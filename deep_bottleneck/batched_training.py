"""Several networks of one architecture trained together by one compiled program (JAX).

``BatchedTraining`` stacks the states of ``n`` compiled Keras models of the same architecture (each built from
its own seed, so each has its own initialisation) and trains them with one compiled program over the epoch program
of ``training.EpochProgram``: every network takes its own minibatches, in the order its own seed shuffles them, exactly
as ``training.train`` would train it alone.

On the CPU the program runs the networks one after another inside it (``jax.lax.map``), so each network goes
through the same operations as when ``training.train`` trains it alone (``tests/test_batched_training.py`` checks
weights, metrics and activations within 1e-5; ``bench/study.py --reference`` compares the measures of 8000-epoch
runs). Elsewhere (a GPU) the networks are vectorised (``jax.vmap``): batched matrix products may sum in another
order, so there they agree to float32 rounding, and may drift apart over thousands of epochs, as two runs on
different machines do.

Which models can be trained together: ``batchable_reason`` says why not (another backend, a loss Keras cannot
name, layers other than Dense, non-trainable state such as batch normalisation's).
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
import numpy as np

from deep_bottleneck.checkpoint_file import TrainingState
from deep_bottleneck.data_split import DataSplit
from deep_bottleneck.training import EpochProgram, assign_values, loss_function, restore

#: Layer types whose stateless calls map over stacked weights as they run alone.
BATCHABLE_LAYERS = ("InputLayer", "Dense")


def each_network(function: Callable, n_stacked: int) -> Callable:
    """``function`` of one network, made to take its first ``n_stacked`` arguments stacked over networks (leading
    axis) and the rest shared, and to return its results stacked the same way: ``jax.lax.map`` over the networks on
    the CPU (each network's arithmetic exactly as alone), ``jax.vmap`` on other backends."""
    import jax

    def over_networks(*arguments):
        stacked, shared = arguments[:n_stacked], arguments[n_stacked:]
        if jax.default_backend() == "cpu":
            return jax.lax.map(lambda sliced: function(*sliced, *shared), stacked)
        return jax.vmap(lambda *sliced: function(*sliced, *shared))(*stacked)

    return over_networks


def batchable_reason(model: keras.Model) -> str | None:
    """Why ``model`` cannot be trained together with others of its kind, or None when it can."""
    if keras.backend.backend() != "jax":
        return f"the backend is {keras.backend.backend()!r}, not 'jax'"
    if loss_function(model) is None:
        return "its loss is not one Keras can name"
    others = sorted({type(layer).__name__ for layer in model.layers} - set(BATCHABLE_LAYERS))
    if others:
        return f"it has layers other than Dense ({', '.join(others)})"
    if model.non_trainable_variables:
        return "it has non-trainable state"
    return None


class BatchedTraining:
    """Train ``models`` together, one epoch per call of ``train_epoch``.

    Args:
        models: Compiled models of one architecture (``batchable_reason`` None for each).
        training: Data every model is fitted on.
        validation: Data evaluated after every epoch.
        batch_size: Rows per gradient step.
        seeds: Seed of each model's shuffling (as ``training.train``'s ``seed``).
        starts: Where each model continues from (``training.train``'s ``start``; all after the same epoch), or None
            to start afresh.
    """

    def __init__(self, models: Sequence[keras.Model], training: DataSplit, validation: DataSplit, batch_size: int,
                 seeds: Sequence[int], starts: Sequence[TrainingState] | None = None) -> None:
        import jax
        import jax.numpy as jnp

        if len(models) != len(seeds):
            raise ValueError(f"{len(models)} models but {len(seeds)} seeds")
        self.models = list(models)
        programs = [EpochProgram(model, len(training.X), batch_size) for model in self.models]
        if starts is not None:
            if len({start.epoch for start in starts}) != 1 or len(starts) != len(self.models):
                raise ValueError("models trained together continue from states of one epoch, one per model")
            for model, start in zip(self.models, starts):
                restore(model, start)
        self.program = programs[0]
        self.state = jax.tree.map(lambda *values: jnp.stack(values), *[p.initial_state() for p in programs])
        self._epoch = jax.jit(each_network(self.program.train_epoch, n_stacked=2))
        self._data = tuple(jnp.asarray(a) for a in (training.X, training.Y, validation.X, validation.Y))
        self._rngs = [np.random.default_rng(seed) for seed in seeds]
        for rng, start in zip(self._rngs, starts or ()):
            rng.bit_generator.state = start.shuffle_state
        self._extractor: keras.Model | None = None
        self._activations = None

    def train_epoch(self) -> list[dict[str, float]]:
        """Train every model one epoch; each one's ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``
        (as ``training.train`` reports them)."""
        n_rows = self.program.n_rows
        orders = np.stack([rng.permutation(n_rows).astype(np.int32) for rng in self._rngs])
        self.state, reported = self._epoch(self.state, orders, *self._data)
        return [{"loss": loss_sum / n_rows, "accuracy": n_correct / n_rows, "val_loss": val_loss,
                 "val_accuracy": val_accuracy}
                for loss_sum, n_correct, val_loss, val_accuracy in np.asarray(reported, dtype=np.float64).tolist()]

    def states(self, epoch: int, finished: bool = False) -> list[TrainingState]:
        """Every model's ``TrainingState`` now, said to be after ``epoch``."""
        parts = [[np.asarray(value) for value in part] for part in self.state]
        return [TrainingState(epoch, *([value[index] for value in part] for part in parts),
                              rng.bit_generator.state, finished)
                for index, rng in enumerate(self._rngs)]

    def assign(self) -> None:
        """Copy every model's current state into its Keras variables (and its optimizer's)."""
        trainable, non_trainable, optimizer_state = (
            [np.asarray(value) for value in part] for part in self.state)
        for index, model in enumerate(self.models):
            assign_values(model.trainable_variables, [value[index] for value in trainable])
            assign_values(model.non_trainable_variables, [value[index] for value in non_trainable])
            assign_values(model.optimizer.variables, [value[index] for value in optimizer_state])

    def layer_weights(self, layers: Sequence[keras.layers.Layer]) -> list[list[list[np.ndarray]]]:
        """The current weights of ``layers`` (layers of ``models[0]``) for every model, without copying them into the
        models' Keras variables: per model, per layer, float32 arrays in the order of ``layer.weights``."""
        positions = {id(variable): index for index, variable in enumerate(self.models[0].trainable_variables)}
        stacked = [[np.asarray(self.state[0][positions[id(weight)]], dtype=np.float32) for weight in layer.weights]
                   for layer in layers]
        return [[[values[index] for values in layer] for layer in stacked] for index in range(len(self.models))]

    def activations(self, layers: Sequence[keras.layers.Layer], X: np.ndarray) -> list[list[np.ndarray]]:
        """The outputs of ``layers`` (layers of ``models[0]``) on ``X`` for every model: per model, per layer,
        float32 [N, width] (one row per input, flattened), as ``models.base.layer_activations`` gives them."""
        import jax

        if self._activations is None:
            model = self.models[0]
            extractor = keras.Model(model.inputs, [layer.output for layer in layers])
            positions = {id(variable): index for index, variable in enumerate(model.trainable_variables)}
            picked = [positions[id(variable)] for variable in extractor.trainable_variables]

            def outputs(trainable, x):
                values, _ = extractor.stateless_call([trainable[i] for i in picked], [], x, training=False)
                return values if isinstance(values, (list, tuple)) else [values]

            self._extractor = extractor
            self._activations = jax.jit(each_network(outputs, n_stacked=1))
        values = [np.asarray(layer, dtype=np.float32) for layer in self._activations(self.state[0], X)]
        return [[layer[index].reshape(len(X), -1) for layer in values] for index in range(len(self.models))]
