"""``experiment.py`` when something happens to the run: a full disk, a kill, a damaged file."""

import json

from deep_bottleneck.activation_file import ActivationFile
from tests.cli.test_experiment import experiment
from tests.small_disk import small_disk

SMALL = ["architecture=[6,4]"]


def test_a_full_disk_ends_the_run_in_one_line_and_keeps_its_records_readable(python, tmp_path):
    with small_disk(tmp_path / "disk", "2m") as disk:
        runs = disk / "runs"
        done = experiment(python, tmp_path, runs, "with", "epochs=20", *SMALL)
        assert done.returncode == 1
        activations = runs / "1" / "activations" / "run_0.h5"
        assert f"Cannot write {activations}: No space left on device" in done.stderr
        assert "Traceback" not in done.stderr
        run = json.loads((runs / "1" / "run.json").read_text())
        assert run["status"] == "FAILED"
        json.loads((runs / "1" / "metrics.json").read_text())
        with ActivationFile(activations) as stored:
            assert 1 <= len(stored.epochs) < 20
            assert stored.layer(stored.layer_names[0]).shape[0] == len(stored.epochs)
