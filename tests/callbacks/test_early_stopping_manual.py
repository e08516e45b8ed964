"""``callbacks.early_stopping_manual`` through experiment.py: the direction follows the metric, and a run that stops
early says so in its log and its info."""

import json

import pytest

from deep_bottleneck.callbacks.early_stopping_manual import direction, load
from tests.cli.test_experiment import experiment


def test_a_loss_falls_to_its_value_and_an_accuracy_rises_to_it():
    assert [direction(m) for m in ("loss", "val_loss", "accuracy", "val_accuracy")] == ["min", "min", "max", "max"]
    assert direction("val_loss", "max") == "max"
    with pytest.raises(ValueError, match="mode must be one of auto, min, max"):
        load(mode="lower")


def test_val_loss_stops_once_it_falls_to_the_value_and_the_run_says_so(python, tmp_path):
    runs = tmp_path / "runs"
    done = experiment(python, tmp_path, runs, "with", "epochs=20", "architecture=[6,4]",
                      'callbacks=[["callbacks.early_stopping_manual", {"monitor": "val_loss", "value": 0.66}]]')
    assert done.returncode == 0, done.stderr
    metrics = json.loads((runs / "1" / "metrics.json").read_text())
    losses = metrics["validation.loss"]["values"]
    assert all(loss > 0.66 for loss in losses[:-1]) and losses[-1] <= 0.66, losses
    assert 1 < len(losses) < 20, "choose a value the loss reaches after the first epoch and before the last"
    reason = f"val_loss {losses[-1]:.4g} <= 0.66 at epoch {len(losses) - 1}"
    assert f"Run 0 stopped early: {reason}." in done.stderr
    info = json.loads((runs / "1" / "info.json").read_text())
    assert info["stopped_early"] == {"run_0": [reason]}
