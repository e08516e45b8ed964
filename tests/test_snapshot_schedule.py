import numpy as np
import pytest

from deep_bottleneck.config import validate_config
from deep_bottleneck.snapshot_schedule import recorded_epochs, snapshot_epochs


def test_stepped_schedule_matches_the_original():
    epochs = snapshot_epochs("stepped", 8000)
    assert len(epochs) == 230
    assert list(epochs[:50]) == list(range(50))
    assert list(epochs[50:75]) == list(range(50, 100, 2))
    assert list(epochs[75:170]) == list(range(100, 2000, 20))
    assert list(epochs[170:]) == list(range(2000, 8000, 100))


def test_stepped_schedule_of_a_short_run_is_every_epoch():
    assert list(snapshot_epochs("stepped", 7)) == list(range(7))


def test_log_schedule_is_sorted_unique_and_spans_training():
    epochs = snapshot_epochs("log", 8000, n_log_snapshots=100)
    assert epochs[0] == 0 and epochs[-1] == 7999
    assert np.all(np.diff(epochs) > 0)
    assert 50 <= len(epochs) <= 101
    gaps = np.diff(epochs)
    assert gaps[-1] > gaps[len(gaps) // 4]


def test_unknown_schedule_is_rejected():
    with pytest.raises(ValueError, match="Unknown snapshot schedule"):
        snapshot_epochs("linear", 10)


def test_a_runs_recorded_epochs_follow_its_settings():
    defaults = validate_config({"epochs": 300})
    assert list(recorded_epochs(defaults)) == list(snapshot_epochs(defaults["snapshot_schedule"], 300))
    logged = validate_config({"epochs": 300, "snapshot_schedule": "log", "n_log_snapshots": 7})
    assert list(recorded_epochs(logged)) == list(snapshot_epochs("log", 300, n_log_snapshots=7))
    assert len(recorded_epochs(logged)) < len(recorded_epochs(defaults))
