"""One repetition: its seeding and what it hands back."""

import keras
import numpy as np

from deep_bottleneck.config import validate_config
from deep_bottleneck.models import feedforward
from deep_bottleneck.run.repetition import run_repetition, set_random_seed
from deep_bottleneck.store.run_folder import RunFolder


def initial_weights(seed_with) -> list:
    keras.backend.clear_session()
    seed_with(7)
    model = feedforward.load([10, 7, 5], "tanh", "adam", 0.001, 12, 2)
    return [np.asarray(w) for w in model.get_weights()] + [np.random.rand(3)]


def test_seeding_without_tensorflow_gives_what_keras_seeding_gives():
    ours, keras_own = initial_weights(set_random_seed), initial_weights(keras.utils.set_random_seed)
    for a, b in zip(ours, keras_own):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(initial_weights(set_random_seed)[0], initial_weights(lambda s: set_random_seed(8))[0])


def test_a_repetition_reports_its_metrics_measures_and_timings(tmp_path):
    settings = validate_config({"epochs": 3, "architecture": [5, 3], "n_runs": 2})
    result = run_repetition(settings, 1, RunFolder(tmp_path))
    assert result.run == 1 and result.activation_path == tmp_path / "activations" / "run_1.h5"
    assert sorted({name for name, _, _ in result.metrics}) == [
        "training.accuracy", "training.loss", "validation.accuracy", "validation.loss"]
    assert len(result.measures) == 3 * 3 and set(result.measures["run"]) == {1}
    assert set(result.seconds) == {"training", "estimation", "estimation_after_training"}


def test_a_repetition_resumed_from_its_checkpoint_continues_its_callbacks_and_files_as_if_never_stopped(tmp_path):
    from deep_bottleneck.checkpoint_file import read_checkpoint

    armed = tmp_path / "armed"
    stopping = ["callbacks.early_stopping_information", {"every": 3, "patience": 4, "tolerance": 0.5}]
    settings = validate_config({
        "epochs": 40, "architecture": [6, 4], "seed": 2, "plotters": [["plotter.snr", {}]],
        "callbacks": [stopping, ["tests.interrupt_once_callback", {"armed_file": str(armed), "epoch": 13}]]})
    whole = run_repetition(settings, 0, RunFolder(tmp_path / "whole"))
    armed.touch()
    folder = RunFolder(tmp_path / "resumed")
    try:
        run_repetition(settings, 0, folder)
        raise AssertionError("not interrupted")
    except KeyboardInterrupt:
        pass
    armed.unlink()
    (checkpoint,) = read_checkpoint(folder.checkpoint_file([0]))
    assert checkpoint.state.epoch == 12 and not checkpoint.state.finished

    resumed = run_repetition(settings, 0, folder, resume=checkpoint)

    assert whole.stop_reasons == [] and checkpoint.metrics + resumed.metrics == whole.metrics
    assert max(epoch for _, _, epoch in whole.metrics) < 39  # information stopping ended it early, both times
    assert resumed.measures.equals(whole.measures)
    for name in ("information_stopping/run_0.csv", "gradients/run_0.csv"):
        assert (folder.path / name).read_text() == (tmp_path / "whole" / name).read_text(), name
