"""Quantisation-aware training (``model_args.quantise_bits``): exact levels forwards, straight-through
gradient backwards, on every installed Keras backend."""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import keras

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.models.base import layer_activations, recorded_layers
from deep_bottleneck.datasets import harmonics
from deep_bottleneck.models import feedforward
from deep_bottleneck.models._quantisation import quantise
from tests.conftest import PROJECT_ROOT, run_script
from tests.mi_estimator.reference import distinct_row_count


def build(**overrides):
    arguments = dict(architecture=[10, 7, 5, 4, 3], activation_fn="tanh", optimizer="adam",
                     learning_rate=0.001, input_size=12, output_size=2, quantise_bits=4)
    arguments.update(overrides)
    return feedforward.load(**arguments)


@pytest.mark.parametrize("bits", [1, 4, 8])
def test_quantised_values_are_exactly_the_levels_of_the_range(bits):
    values = np.linspace(-1.5, 1.5, 1001, dtype="float32")
    quantised = np.asarray(quantise(keras.ops.convert_to_tensor(values), -1.0, 1.0, bits))
    step = np.float32(2.0 / (2**bits - 1))
    levels = np.float32(-1.0) + np.round((np.clip(values, -1, 1) + 1) / step) * step
    np.testing.assert_array_equal(quantised, levels)
    assert len(np.unique(quantised)) == 2**bits


def test_the_gradient_passes_straight_through_inside_the_range_and_is_zero_outside():
    import jax

    values = np.array([-1.5, -0.9, -0.2, 0.0, 0.33, 0.99, 1.2], dtype="float32")
    gradient = jax.grad(lambda x: (quantise(x, -1.0, 1.0, 4) * np.arange(1.0, 8.0)).sum())(values)
    np.testing.assert_array_equal(np.asarray(gradient), [0, 2, 3, 4, 5, 6, 0])


@pytest.mark.parametrize("activation_fn, bits", [("tanh", 4), ("relu", 8), ("relu", 2)])
def test_every_hidden_layer_records_at_most_2_to_the_k_values_per_unit_and_the_readout_is_not_quantised(
        activation_fn, bits):
    keras.utils.set_random_seed(1)
    model = build(activation_fn=activation_fn, quantise_bits=bits)
    training, _ = harmonics.load()
    X_train = training.X
    model.fit(X_train, training.Y, epochs=2, batch_size=256, verbose=0)
    layers = recorded_layers(model)
    extractor = keras.Model(model.inputs, [layer.output for layer in layers])
    activations = layer_activations(extractor, X_train)
    for hidden in activations[:-1]:
        assert max(len(np.unique(unit)) for unit in hidden.T) <= 2**bits
    assert len(np.unique(activations[-1][:, 0])) > 2**bits
    np.testing.assert_allclose(np.asarray(model.predict_on_batch(X_train[:64]))[:, 0], activations[-1][:64, 0],
                               rtol=1e-5)


def test_relu_layers_quantise_a_moving_range_learned_in_training():
    keras.utils.set_random_seed(2)
    model = build(activation_fn="relu", quantise_bits=8, architecture=[6])
    layer = model.get_layer("layer_0")
    training, _ = harmonics.load()
    X_train = training.X
    model.fit(X_train, training.Y, epochs=1, batch_size=256, verbose=0)
    low, high = float(layer.range_low), float(layer.range_high)
    assert low == pytest.approx(0.0, abs=1e-6) and high > 0.1
    outputs = np.asarray(keras.Model(model.inputs[0], layer.output)(X_train))
    step = np.float32((np.float32(high) - np.float32(low)) / 255)
    assert np.abs(outputs / step - np.round(outputs / step)).max() < 1e-3


def test_bad_bit_counts_and_ranges_are_rejected_with_an_example():
    with pytest.raises(ValueError, match="quantise_bits must be an integer from 1 to 16 .e.g. 8., got 0"):
        build(quantise_bits=0)
    with pytest.raises(ValueError, match=r"quantise_range must be \[low, high\] with low < high"):
        build(quantise_range=[1, -1])


TRAIN_ON_BACKEND = """
import numpy as np, keras
from deep_bottleneck.models import feedforward
from deep_bottleneck.datasets import harmonics
keras.utils.set_random_seed(0)
(X, y, Y), _ = harmonics.load()
model = feedforward.load([10, 7, 5, 4, 3], "tanh", "adam", 0.003, 12, 2, quantise_bits=4)
history = model.fit(X, Y, epochs=8, batch_size=256, verbose=0).history["loss"]
hidden = keras.Model(model.inputs, model.get_layer("layer_2").output)(X)
print(keras.backend.backend(), history[0], history[-1], len(np.unique(np.asarray(hidden))))
"""


@pytest.mark.parametrize("backend", ["jax", "tensorflow", "torch"])
def test_a_quantised_network_trains_on_every_installed_backend(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    done = subprocess.run([sys.executable, "-c", TRAIN_ON_BACKEND], capture_output=True, text=True, timeout=600,
                          cwd=PROJECT_ROOT, env={**__import__("os").environ, "KERAS_BACKEND": backend,
                                                 "PYTHONPATH": str(PROJECT_ROOT)})
    assert done.returncode == 0, done.stderr
    name, first_loss, last_loss, distinct = done.stdout.split()[-4:]
    assert name == backend and float(last_loss) < float(first_loss) and int(distinct) <= 16


def test_a_short_quantised_experiment_stores_exact_counts_of_its_recorded_layers(python, tmp_path):
    runs = tmp_path / "runs"
    config = PROJECT_ROOT / "configs" / "quantised" / "harmonics_tanh_8bit.json"
    done = run_script(python, "experiment.py", "with", str(config), "epochs=3", "n_runs=1", "seed=3",
                      cwd=tmp_path,
                      env_updates={"DEEP_BOTTLENECK_RUNS_DIR": str(runs)})
    assert done.returncode == 0, done.stderr
    folder = runs / "1"
    assert json.loads((folder / "config.json").read_text())["model_args"] == {"quantise_bits": 8}
    measures = pd.read_csv(folder / "information_measures.csv").set_index(["epoch", "layer"])
    with ActivationFile(folder / "activations" / "run_0.h5") as store:
        for layer_index, (_, layer) in enumerate(store.layers()):
            snapshots = layer[:]
            if layer_index < 5:
                assert max(len(np.unique(snapshots[..., unit])) for unit in range(snapshots.shape[2])) <= 256
            for epoch, snapshot in zip(store.epochs, snapshots):
                row = measures.loc[(int(epoch), layer_index)]
                expected = distinct_row_count(snapshot, store.labels)
                assert (row["MI_XM"], row["MI_YM"]) == pytest.approx(expected, abs=1e-12)
