import subprocess
import textwrap

import h5py
import numpy as np
import pytest

from deep_bottleneck.activation_file import ActivationFile, ActivationWriter
from deep_bottleneck.errors import DamagedFileError


def test_file_layout_is_one_dense_array_per_layer(tmp_path):
    path = tmp_path / "nested" / "run_0.h5"
    labels = np.array([0, 1, 1, 0, 1])
    rng = np.random.default_rng(0)
    snapshots = {epoch: [rng.normal(size=(5, 3)), rng.normal(size=(5, 2))] for epoch in (0, 1, 4)}
    with ActivationWriter(path, ["layer_0", "layer_1"], [3, 2], labels, "training") as writer:
        for epoch, activations in snapshots.items():
            writer.append(epoch, activations)

    with h5py.File(path, "r") as raw:
        assert set(raw) == {"epochs", "labels", "layers"}
        assert raw["layers/layer_0"].shape == (3, 5, 3)
        assert raw["layers/layer_1"].shape == (3, 5, 2)
        assert raw["layers/layer_0"].dtype == np.float32

    with ActivationFile(path) as store:
        assert store.split == "training"
        assert store.layer_names == ["layer_0", "layer_1"]
        np.testing.assert_array_equal(store.epochs, [0, 1, 4])
        np.testing.assert_array_equal(store.labels, labels)
        np.testing.assert_allclose(store.layer("layer_1")[2], snapshots[4][1], rtol=1e-6)


def test_snapshots_survive_a_crash_of_the_writing_process(tmp_path, python):
    path = tmp_path / "run.h5"
    script = textwrap.dedent(f"""
        import os
        import numpy as np
        from deep_bottleneck.activation_file import ActivationWriter
        writer = ActivationWriter({str(path)!r}, ["layer_0"], [2], np.zeros(4), "test")
        writer.append(7, [np.ones((4, 2))])
        writer.append(9, [np.full((4, 2), 2.0)])
        os._exit(1)  # dies without closing the file
    """)
    assert subprocess.run([python, "-c", script]).returncode == 1
    with ActivationFile(path) as store:
        assert store.epochs.tolist() == [7, 9]
        assert store.layer("layer_0")[1].tolist() == [[2.0, 2.0]] * 4


def test_a_file_continued_after_some_snapshots_drops_the_later_ones_and_appends_after_them(tmp_path):
    path = tmp_path / "run_0.h5"
    arguments = dict(layer_names=["a"], widths=[2], labels=np.array([0, 1, 0]), split="test",
                     weight_shapes=[[("kernel", (2, 2))]])
    writer = ActivationWriter(path, **arguments)
    for epoch in range(4):
        writer.append(epoch, [np.full((3, 2), epoch, np.float32)], [[np.full((2, 2), epoch, np.float32)]])
    continued = ActivationWriter(path, **arguments, keep_snapshots=2)
    continued.append(7, [np.full((3, 2), 7, np.float32)], [[np.full((2, 2), 7, np.float32)]])
    with ActivationFile(path) as stored:
        assert list(stored.epochs) == [0, 1, 7]
        assert [float(v) for v in stored.layer("a")[:, 0, 0]] == [0, 1, 7]
        assert [float(v) for v in stored.weights("a")["kernel"][:, 0, 0]] == [0, 1, 7]
    with pytest.raises(DamagedFileError, match="holds only 3"):
        ActivationWriter(path, **arguments, keep_snapshots=5)
