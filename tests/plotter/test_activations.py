import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from deep_bottleneck.activation_file import ActivationWriter
from deep_bottleneck.plotter import activations, activations_single_neuron
from deep_bottleneck.plotter._activation_histograms import layer_histograms
from deep_bottleneck.plotter.base import PlotContext
from deep_bottleneck.store.run_folder import RunFolder


def write_runs(run_dir, widths, n_rows=300, epochs_per_run=((0, 1, 2), (0, 1, 2), (0, 1))):
    """Repetitions whose activations at epoch e are e + the row's index / n_rows (the last stopped early)."""
    names = [f"layer_{i}" for i in range(len(widths))]
    for run, epochs in enumerate(epochs_per_run):
        with ActivationWriter(run_dir / "activations" / f"run_{run}.h5", names, widths, np.zeros(n_rows, int),
                              "test") as writer:
            for epoch in epochs:
                rows = epoch + np.arange(n_rows, dtype=np.float32)[:, None] / n_rows
                writer.append(epoch, [np.repeat(rows, width, axis=1) for width in widths])
    return names


def test_histograms_pool_every_run_over_the_epochs_all_reached(tmp_path):
    write_runs(tmp_path, [3])
    paths = RunFolder(tmp_path).activation_files()
    histograms = layer_histograms(paths, "layer_0", bins=6, max_values=10**6)
    assert histograms.epochs.tolist() == [0, 1]
    np.testing.assert_allclose(histograms.edges, np.linspace(0, 1 + 299 / 300, 7))
    expected = [np.histogram(epoch + np.arange(300) / 300, histograms.edges)[0] * 3 * 3 for epoch in (0, 1)]
    np.testing.assert_array_equal(histograms.counts, expected)
    per_unit = layer_histograms(paths, "layer_0", bins=6, units=[0, 2], max_values=10**6)
    assert per_unit.counts.shape == (2, 2, 6)
    np.testing.assert_array_equal(per_unit.counts[1], np.array(expected) // 3)


def test_wide_layers_use_a_bounded_number_of_values_and_units(tmp_path):
    names = write_runs(tmp_path, [1024, 4], n_rows=2000)
    histograms = layer_histograms(RunFolder(tmp_path).activation_files(), "layer_0", max_values=2**14)
    assert histograms.counts.sum(axis=1).max() <= 3 * 2**14
    context = PlotContext(split="test", n_rows=2000, label_entropy=0.0, layer_names=names,
                          activation_files=RunFolder(tmp_path).activation_files())
    plt.close("all")
    figure = activations_single_neuron.load(max_units=5).plot(pd.DataFrame(), context)
    titles = [axis.get_title() for axis in figure.axes if axis.get_title()]
    assert titles[:5] == [f"layer_0 unit {u}" for u in (0, 256, 512, 767, 1023)]
    assert titles[5:] == [f"layer_1 unit {u}" for u in range(4)]
    shown = [axis for axis in figure.axes if axis.get_title()]
    assert {axis.get_xlabel() for axis in shown} == {"epoch"}
    assert [axis.get_ylabel() for axis in shown if axis.get_ylabel()] == [
        "layer_0: 5 of 1024 units\nactivation", "layer_1: all 4 units\nactivation"]
    assert "each panel one unit" in figure.get_suptitle()
    assert figure.get_size_inches()[0] == 1.9 * 5 + 1
    plt.close(figure)
    path = activations.load(bins=20).generate(pd.DataFrame(), context, tmp_path)
    assert plt.imread(path).shape[:2] == (int(100 * (1.6 * 2 + 0.8)), 800)
    assert plt.get_fignums() == []
