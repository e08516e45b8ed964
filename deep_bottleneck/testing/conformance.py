"""Conformance checks for plug-ins: a researcher checks their own plug-in in one line, as the built-in ones are.

    from deep_bottleneck.testing.conformance import check_plugin
    check_plugin("estimator", "my_project.my_estimator", discretization_range=0.001)

Each ``check_<kind>`` builds the plug-in through the registry (``plugins.load_plugin``), as an experiment does, and
raises ``ConformanceError`` naming the plug-in and the broken rule. The checks are those of each kind's contract:

- dataset: ``load(**arguments)`` returns a training and a test ``DataSplit`` of one width; float32 inputs, int32
  labels ``0..C-1`` that every class uses, one-hot float32 targets that agree with them, finite values.
- model: ``load`` builds a compiled Keras model for a given input and output size whose readout gives class
  probabilities and whose recorded layers (``models.base.recorded_layers``) end with the readout; declared
  ``ACTIVATION_FUNCTIONS`` and ``OPTIMIZERS`` are sequences of names, each of which builds.
- estimator: ``estimate_snapshots`` returns two float arrays of one value per snapshot; identical rows carry no
  information (0 bits, within ``tolerance``); estimates do not depend on how snapshots are batched, and lie in
  ``[0, log2 N]`` for I(X;T) and ``[0, H(Y)]`` for I(T;Y) (within ``tolerance``); a declared ``shared_pass`` gives
  the estimator's own estimates.
- callback: ``load`` returns a ``keras.callbacks.Callback`` that survives a short training of a small network.
- plotter: ``load`` returns a ``plotter.base.BasePlotter`` with a ``plotname``; one drawing per estimator
  (``per_estimator``) draws a figure from measures of the documented columns and saves it under its name.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from deep_bottleneck import plugins
from deep_bottleneck.errors import DeepBottleneckError


class ConformanceError(DeepBottleneckError, AssertionError):
    """A plug-in breaks its kind's contract."""


def _require(condition: bool, kind: str, name: str, rule: str) -> None:
    if not condition:
        raise ConformanceError(f"The {kind} plug-in {name!r} breaks its contract: {rule}")


def check_dataset(name: str, **arguments: Any) -> None:
    """Check a dataset plug-in (see the module's docstring)."""
    from deep_bottleneck.data_split import DataSplit

    loaded = plugins.load_plugin("dataset", name, **arguments)
    _require(isinstance(loaded, tuple) and len(loaded) == 2 and all(isinstance(s, DataSplit) for s in loaded),
             "dataset", name, "load() must return (training, test) DataSplits")
    training, test = loaded
    _require(len(training.X) > 0 and len(test.X) > 0, "dataset", name, "both splits must hold rows")
    _require(training.X.ndim == 2 and training.X.shape[1:] == test.X.shape[1:], "dataset", name,
             "both splits must be [rows, features] of one width")
    n_classes = training.n_classes
    _require(n_classes == test.n_classes and n_classes >= 2, "dataset", name, "both splits need the same >= 2 classes")
    for split in (training, test):
        _require(split.X.dtype == np.float32 and split.y.dtype == np.int32 and split.Y.dtype == np.float32,
                 "dataset", name, "X and Y must be float32, y int32")
        _require(bool(np.isfinite(split.X).all()), "dataset", name, "X must be finite")
        _require(len(split.X) == len(split.y) == len(split.Y), "dataset", name, "X, y and Y must have one row each")
        _require(bool((split.Y.argmax(axis=1) == split.y).all() and (split.Y.sum(axis=1) == 1).all()),
                 "dataset", name, "Y must be the one-hot form of y")
    used = np.unique(np.concatenate([training.y, test.y]))
    _require(used.tolist() == list(range(n_classes)), "dataset", name, "labels must be 0..C-1, each one used")


def check_model(name: str, input_size: int = 12, output_size: int = 2, **arguments: Any) -> None:
    """Check a model plug-in with the experiment's default settings (see the module's docstring)."""
    from deep_bottleneck.config import MODEL_SETTINGS, default_config
    from deep_bottleneck.models.base import recorded_layers

    module = plugins.load_module("model", name)
    accepted = set(plugins.accepted_arguments("model", name))
    defaults = default_config()
    settings = {key: defaults[key] for key in MODEL_SETTINGS if key in accepted}
    for attribute, key in (("ACTIVATION_FUNCTIONS", "activation_fn"), ("OPTIMIZERS", "optimizer")):
        declared = getattr(module, attribute, None)
        if declared is None:
            continue
        _require(not isinstance(declared, str) and all(isinstance(v, str) for v in declared), "model", name,
                 f"{attribute} must be a sequence of names")
        for value in declared:
            _check_model_builds(name, {**settings, key: value, **arguments}, input_size, output_size, recorded_layers)
    _check_model_builds(name, {**settings, **arguments}, input_size, output_size, recorded_layers)


def _check_model_builds(name: str, arguments: dict, input_size: int, output_size: int,
                        recorded_layers: Callable) -> None:
    import keras

    model = plugins.load_plugin("model", name, input_size=input_size, output_size=output_size, **arguments)
    _require(isinstance(model, keras.Model), "model", name, "load() must return a keras.Model")
    _require(model.compiled, "model", name, "the model must be compiled (loss, optimizer, accuracy)")
    probabilities = np.asarray(model.predict_on_batch(np.zeros((3, input_size), np.float32)))
    _require(probabilities.shape == (3, output_size), "model", name, "the readout must give one value per class")
    _require(bool(np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)), "model", name,
             "the readout must give class probabilities (softmax)")
    layers = recorded_layers(model)
    _require(bool(layers) and layers[-1] is model.layers[-1], "model", name,
             "the recorded layers (those with weights) must end with the readout")


def check_estimator(name: str, tolerance: float = 1e-6, **arguments: Any) -> None:
    """Check an estimator plug-in (see the module's docstring); ``tolerance`` in bits for sampling estimators."""
    from deep_bottleneck.mi_estimator.base import entropy_bits

    estimator = plugins.load_plugin("estimator", name, **arguments)
    rng = np.random.default_rng(0)
    labels = (np.arange(400) % 2).astype(np.int64)
    snapshots = np.stack([np.tanh(scale * rng.standard_normal((400, 3))) for scale in (0.5, 2.0, 4.0)])
    snapshots = snapshots.astype(np.float32)
    mi_xt, mi_ty = estimator.estimate_snapshots(snapshots, labels)
    mi_xt, mi_ty = np.asarray(mi_xt), np.asarray(mi_ty)
    _require(mi_xt.shape == mi_ty.shape == (3,) and mi_xt.dtype.kind == mi_ty.dtype.kind == "f", "estimator", name,
             "estimate_snapshots must return two float arrays with one value per snapshot")
    _require(bool(np.isfinite(mi_xt).all() and np.isfinite(mi_ty).all()), "estimator", name,
             "estimates must be finite")
    _require(bool((mi_xt >= -tolerance).all() and (mi_xt <= math.log2(400) + tolerance).all()), "estimator", name,
             "I(X;T) must lie in [0, log2 N]")
    _require(bool((mi_ty >= -tolerance).all() and (mi_ty <= entropy_bits(labels) + tolerance).all()),
             "estimator", name, "I(T;Y) must lie in [0, H(Y)]")
    one_by_one = np.array([np.concatenate(estimator.estimate_snapshots(snapshot[None], labels))
                           for snapshot in snapshots])
    _require(bool(np.allclose(one_by_one, np.stack([mi_xt, mi_ty], axis=1), atol=max(tolerance, 1e-9))),
             "estimator", name, "estimates must not depend on how snapshots are batched")
    constant = np.full((1, 400, 3), 0.25, np.float32)
    zero_xt, zero_ty = estimator.estimate_snapshots(constant, labels)
    _require(abs(float(zero_xt[0])) <= tolerance and abs(float(zero_ty[0])) <= tolerance, "estimator", name,
             "identical rows must give 0 bits")
    shared = getattr(estimator, "shared_pass", None)
    if shared is not None:
        together = shared.compute(snapshots, labels)[shared.member]
        _require(bool(np.allclose(np.stack(together, axis=1), np.stack([mi_xt, mi_ty], axis=1),
                                  atol=max(tolerance, 1e-9))),
                 "estimator", name, "the shared pass must give the estimator's own estimates")


def check_callback(name: str, **arguments: Any) -> None:
    """Check a callback plug-in by training a small network with it for a few epochs."""
    import keras

    from deep_bottleneck.data_split import DataSplit
    from deep_bottleneck.training import train

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int32)
    split = DataSplit(X, y, np.eye(2, dtype=np.float32)[y])
    with tempfile.TemporaryDirectory() as folder:
        facts = {"run_dir": folder, "projector_folder": Path(folder) / "projector",
                 "information_stopping_file": Path(folder) / "stopping.csv", "mi_split": split,
                 "estimator": plugins.load_plugin("estimator", "mi_estimator.binning")}
        callback = plugins.load_plugin("callback", name,
                                       **plugins.with_run_index("callback", name, arguments, 0, facts))
        _require(isinstance(callback, keras.callbacks.Callback), "callback", name,
                 "load() must return a keras.callbacks.Callback")
        model = plugins.load_plugin("model", "models.feedforward", architecture=[3], activation_fn="tanh",
                                    optimizer="adam", learning_rate=0.01, input_size=4, output_size=2)
        train(model, split, split, 3, 16, [callback], 0)


def check_plotter(name: str, **arguments: Any) -> None:
    """Check a plotter plug-in that draws from MI measures (``per_estimator``); others are checked for their type."""
    import pandas as pd

    from deep_bottleneck.plotter.base import BasePlotter, PlotContext

    plotter = plugins.load_plugin("plotter", name, **arguments)
    _require(isinstance(plotter, BasePlotter) and bool(plotter.plotname), "plotter", name,
             "load() must return a BasePlotter with a plotname")
    if not plotter.per_estimator:
        return
    rows = [(epoch, layer, run, 1.0 + layer - epoch / 10, 0.5 + epoch / 20, "binning")
            for epoch in range(5) for layer in range(3) for run in range(2)]
    measures = pd.DataFrame(rows, columns=["epoch", "layer", "run", "MI_XM", "MI_YM", "estimator"])
    context = PlotContext(split="test", n_rows=256, label_entropy=1.0, layer_names=["layer_0", "layer_1", "layer_2"],
                          estimator="mi_estimator.binning", n_runs=2)
    with tempfile.TemporaryDirectory() as folder:
        path = plotter.generate(measures, context, Path(folder))
        _require(path.is_file() and path.stat().st_size > 0 and path.name.startswith(plotter.plotname), "plotter",
                 name, "generate() must save a non-empty file named after its plotname")
        _require(all(data.is_file() for data in plotter.data_paths(context, Path(folder))), "plotter", name,
                 "generate() must write every file data_paths() names")


CHECKS: dict[str, Callable[..., None]] = {"dataset": check_dataset, "model": check_model,
                                          "estimator": check_estimator, "callback": check_callback,
                                          "plotter": check_plotter}


def check_plugin(kind: str, name: str, **arguments: Any) -> None:
    """Run the conformance checks of ``kind`` on the plug-in ``name`` built with ``arguments``.

    Raises:
        ConformanceError: Naming the plug-in and the rule it breaks.
        PluginError: The plug-in cannot be found, imported or built with ``arguments``.
    """
    if kind not in CHECKS:
        raise plugins.PluginError(f"Unknown plug-in kind {kind!r}; one of {', '.join(CHECKS)}.")
    CHECKS[kind](name, **arguments)
