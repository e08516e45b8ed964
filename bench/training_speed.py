"""Training speed of deep-bottleneck against a hand-written ``jax.jit`` loop doing the same work.

Both train Tishby's net (12-10-7-5-4-3-2, tanh, Adam 4e-4, batch 256) on the 3277 training rows of
the harmonics data, evaluate the 819 test rows after every epoch, and write all layers' activations
on the 4096 rows to HDF5 at the stepped schedule. Keras' own ``model.fit`` with the same callbacks is
timed too, for reference. The batched trainer (``batched_training.BatchedTraining``, what ``batched_repetitions``
uses) trains ``--networks`` such nets together with the same recording; its cost per network-epoch is printed beside
the hand-written loop's.

    python bench/training_speed.py [--epochs 2000] [--networks 25]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import deep_bottleneck  # noqa: E402,F401  (sets KERAS_BACKEND=jax)
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from deep_bottleneck.activation_file import ActivationWriter  # noqa: E402
from deep_bottleneck.batched_training import BatchedTraining  # noqa: E402
from deep_bottleneck.models.base import recorded_layers  # noqa: E402
from deep_bottleneck.run.repetition import set_random_seed  # noqa: E402
from deep_bottleneck.run.activation_recorder import ActivationRecorder  # noqa: E402
from deep_bottleneck.run.metrics_logger import MetricsLogger  # noqa: E402
from deep_bottleneck.data_split import construct_full_dataset  # noqa: E402
from deep_bottleneck.datasets import harmonics  # noqa: E402
from deep_bottleneck.models import feedforward  # noqa: E402
from deep_bottleneck.snapshot_schedule import stepped_epochs  # noqa: E402
from deep_bottleneck.training import train  # noqa: E402

WIDTHS = [12, 10, 7, 5, 4, 3, 2]
BATCH = 256
LEARNING_RATE = 4e-4


def time_deep_bottleneck(epochs: int, folder: Path, use_keras_fit: bool) -> float:
    training, test = harmonics.load()
    full = construct_full_dataset(training, test)
    keras.utils.set_random_seed(0)
    model = feedforward.load(WIDTHS[1:-1], "tanh", "adam", LEARNING_RATE, 12, 2)
    callbacks = [
        ActivationRecorder(full, "full_dataset", stepped_epochs(epochs), folder / f"keras_{use_keras_fit}.h5"),
        MetricsLogger(lambda name, value, step: None),
    ]
    start = time.perf_counter()
    if use_keras_fit:
        model.fit(training.X, training.Y, batch_size=BATCH, epochs=epochs, verbose=0,
                  validation_data=(test.X, test.Y), callbacks=callbacks)
    else:
        train(model, training, test, epochs, BATCH, callbacks, seed=0)
    return time.perf_counter() - start


def time_hand_written_jax(epochs: int, folder: Path) -> float:
    training, test = harmonics.load()
    full = construct_full_dataset(training, test)
    key = jax.random.PRNGKey(0)
    params = []
    for fan_in, fan_out in zip(WIDTHS[:-1], WIDTHS[1:]):
        key, sub = jax.random.split(key)
        weights = jax.random.truncated_normal(sub, -2, 2, (fan_in, fan_out)) / np.sqrt(fan_in)
        params.append((weights, jnp.zeros(fan_out)))

    def layers(params, x):
        outputs = []
        for index, (weights, bias) in enumerate(params):
            z = x @ weights + bias
            x = jax.nn.softmax(z) if index == len(params) - 1 else jnp.tanh(z)
            outputs.append(x)
        return outputs

    def loss(params, x, y):
        probabilities = layers(params, x)[-1]
        return -(y * jnp.log(jnp.clip(probabilities, 1e-7, 1.0))).sum(axis=1).mean()

    @jax.jit
    def step(params, moments, t, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        t = t + 1
        m, v = moments
        m = jax.tree.map(lambda m, g: 0.9 * m + 0.1 * g, m, grads)
        v = jax.tree.map(lambda v, g: 0.999 * v + 0.001 * g * g, v, grads)
        rate = LEARNING_RATE * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        params = jax.tree.map(lambda p, m, v: p - rate * m / (jnp.sqrt(v) + 1e-7), params, m, v)
        return params, (m, v), t, value

    @jax.jit
    def evaluate(params, x, y):
        probabilities = layers(params, x)[-1]
        return loss(params, x, y), (probabilities.argmax(1) == y.argmax(1)).mean()

    activations = jax.jit(layers)
    zeros = jax.tree.map(jnp.zeros_like, params)
    moments, t = (zeros, zeros), jnp.zeros(())
    snapshots = set(stepped_epochs(epochs).tolist())
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    with ActivationWriter(folder / "jax.h5", [f"layer_{i}" for i in range(6)], WIDTHS[1:], full.y,
                          "full_dataset") as writer:
        for epoch in range(epochs):
            order = rng.permutation(len(training.y))
            for begin in range(0, len(order), BATCH):
                rows = order[begin:begin + BATCH]
                params, moments, t, _ = step(params, moments, t, training.X[rows], training.Y[rows])
            metrics = [float(value) for value in evaluate(params, test.X, test.Y)]
            if epoch in snapshots:
                writer.append(epoch, [np.asarray(a) for a in activations(params, full.X)])
    del metrics
    return time.perf_counter() - start


def time_batched(epochs: int, networks: int, folder: Path) -> float:
    """``networks`` nets (seeds 0..networks-1) trained together, each one's activations written at the snapshots."""
    training, test = harmonics.load()
    full = construct_full_dataset(training, test)
    keras.backend.clear_session()
    models = []
    for seed in range(networks):
        set_random_seed(seed)
        models.append(feedforward.load(WIDTHS[1:-1], "tanh", "adam", LEARNING_RATE, 12, 2))
    layers = recorded_layers(models[0])
    snapshots = set(stepped_epochs(epochs).tolist())
    start = time.perf_counter()
    together = BatchedTraining(models, training, test, BATCH, list(range(networks)))
    writers = [ActivationWriter(folder / f"batched_{k}.h5", [layer.name for layer in layers], WIDTHS[1:], full.y,
                                "full_dataset") for k in range(networks)]
    try:
        for epoch in range(epochs):
            together.train_epoch()
            if epoch in snapshots:
                for writer, activations in zip(writers, together.activations(layers, full.X)):
                    writer.append(epoch, activations)
    finally:
        for writer in writers:
            writer.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--networks", type=int, default=25, help="networks the batched trainer trains together")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        reference = time_hand_written_jax(args.epochs, folder)
        ours = time_deep_bottleneck(args.epochs, folder, use_keras_fit=False)
        keras_fit = time_deep_bottleneck(args.epochs, folder, use_keras_fit=True)
        batched = time_batched(args.epochs, args.networks, folder)
    snapshots = len(stepped_epochs(args.epochs))
    print(f"epochs={args.epochs} snapshots={snapshots} backend={keras.backend.backend()}")
    print(f"hand-written jax.jit loop : {reference:7.2f} s  ({reference / args.epochs * 1e3:.2f} ms/epoch)")
    print(f"deep-bottleneck train()   : {ours:7.2f} s  ({ours / args.epochs * 1e3:.2f} ms/epoch)")
    print(f"keras Model.fit (reference): {keras_fit:7.2f} s  ({keras_fit / args.epochs * 1e3:.2f} ms/epoch)")
    per_network_epoch = batched / (args.epochs * args.networks)
    print(f"batched trainer, {args.networks} nets: {batched:7.2f} s  ({per_network_epoch * 1e3:.3f} ms per network-epoch"
          f" against {reference / args.epochs * 1e3:.3f} ms for the jax.jit loop: "
          f"{reference / args.epochs / per_network_epoch:.1f}x less per network)")
    print(f"ratio deep-bottleneck / jax.jit loop = {ours / reference:.2f}  (target <= 3)")
    print(f"ratio keras fit / jax.jit loop       = {keras_fit / reference:.2f}")


if __name__ == "__main__":
    main()
