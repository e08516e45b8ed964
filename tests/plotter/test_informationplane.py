import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import SymLogNorm
from matplotlib.text import Annotation

from deep_bottleneck.plotter._plane import text_extent
from deep_bottleneck.plotter.base import PlotContext
from deep_bottleneck.plotter.informationplane import load


def measures():
    rows = []
    for run, shift in ((0, 0.0), (1, 1.0)):
        for epoch in (0, 10, 20):
            for layer in range(3):
                rows.append((epoch, layer, run, 10 - layer - shift, 0.5 + 0.01 * epoch - 0.1 * shift))
    return pd.DataFrame(rows, columns=["epoch", "layer", "run", "MI_XM", "MI_YM"])


def test_axes_reach_the_true_ceilings_and_points_are_run_means(tmp_path):
    context = PlotContext(split="training", n_rows=3277, label_entropy=0.99, estimator="mi_estimator.binning",
                          layer_names=["input_side", "middle", "output"])
    figure = load().plot(measures(), context)
    axis = figure.axes[0]
    assert axis.get_xlim()[1] == np.log2(3277) * 1.04
    assert axis.get_ylim()[1] == 0.99 * 1.06
    scatters = [c for c in axis.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 3
    points = np.concatenate([c.get_offsets() for c in scatters])
    assert len(points) == 9
    np.testing.assert_allclose(sorted(points[:, 0])[-1], 9.5)
    assert "training" in axis.get_title() and "2 runs" in axis.get_title()
    runs = [c for c in axis.collections if isinstance(c, LineCollection) and len(c.get_segments()) == 6]
    assert len(runs) == 1, "each (run, layer) path is drawn"
    legend = [t.get_text() for t in axis.figure.legends[0].get_texts()]
    assert legend[:3] == ["input_side", "middle", "output (readout)"]
    assert legend[3] == "ceilings: log2(3277 distinct inputs) = 11.68, H(Y) = 0.99"
    assert {t.get_text() for t in axis.texts} == {"input_side", "middle", "output (readout)"}


def names_and_extents(figure):
    """Each layer name on the plane and the pixels its letters cover, once the figure is drawn as saved."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    names = [text for text in figure.axes[0].texts if isinstance(text, Annotation)]
    return {name.get_text(): (name, text_extent(name, renderer)) for name in names}


def test_layer_names_of_layers_ending_at_one_point_do_not_overlap_and_point_at_their_layer():
    rows = [(epoch, layer, 0, min(12.0, 3 * layer + 2 * epoch), 0.999) for epoch in range(10) for layer in range(6)]
    context = PlotContext(split="full_dataset", n_rows=4096, label_entropy=0.999,
                          layer_names=[f"layer_{i}" for i in range(6)])
    figure = load().plot(pd.DataFrame(rows, columns=["epoch", "layer", "run", "MI_XM", "MI_YM"]), context)
    placed = names_and_extents(figure)
    assert len(placed) == 6
    for (_, first), (_, second) in itertools.combinations(placed.values(), 2):
        assert not first.overlaps(second)
    for layer in range(6):
        name, _ = placed[f"layer_{layer}" + (" (readout)" if layer == 5 else "")]
        assert name.xy == (12.0, 0.999)
    plt.close(figure)


def test_titles_name_the_run_the_estimators_arguments_and_a_family():
    context = PlotContext(split="test", n_rows=819, label_entropy=1.0, estimator="mi_estimator.upper",
                          estimator_arguments={"discretization_range": 0.01}, run_name="tanh_study (run 4)")
    title = load().plot(measures(), context).axes[0].get_title()
    assert title.startswith("tanh_study (run 4): information plane\n")
    assert "mi_estimator.upper(discretization_range=0.01), test (N=819), mean of 2 runs" in title
    family = measures().query("run == 0").assign(run=-1)
    title = load().plot(family, PlotContext(split="test", n_rows=819, label_entropy=1.0, family_size=3)).axes[0]
    assert "family of 3 networks" in title.get_title() and "1 run" not in title.get_title()
    plt.close("all")


def test_epochs_of_the_log_schedule_are_coloured_on_a_log_scale_and_short_runs_have_whole_epoch_ticks():
    rows = [(epoch, layer, 0, 5.0 + layer, 0.5) for epoch in (0, 1, 3, 9, 99, 999) for layer in range(2)]
    long_run = pd.DataFrame(rows, columns=["epoch", "layer", "run", "MI_XM", "MI_YM"])
    context = PlotContext(split="test", n_rows=819, label_entropy=1.0, snapshot_schedule="log")
    figure = load().plot(long_run, context)
    (scatter, *_) = [c for c in figure.axes[0].collections if isinstance(c, PathCollection)]
    assert isinstance(scatter.norm, SymLogNorm)
    # Linear up to epoch 1 (one decade's length, 1 / (1 - 1/10) in matplotlib's units), logarithmic above.
    linear_part = 1 / 0.9
    assert scatter.norm(99) == pytest.approx((linear_part + np.log10(99)) / (linear_part + np.log10(999)))
    assert scatter.norm(9) > 0.45, "a linear scale would put epoch 9 at 0.009"
    short_run = long_run[long_run["epoch"] < 3]
    figure = load().plot(short_run, PlotContext(split="test", n_rows=819, label_entropy=1.0))
    figure.canvas.draw()
    colorbar = figure.axes[1]
    ticks = [tick for tick in colorbar.get_yticks() if 0 <= tick <= 1]
    assert ticks == [0, 1] and [t.get_text() for t in colorbar.get_yticklabels()][:2] == ["0", "1"]
    plt.close("all")


def test_the_input_ceiling_is_log2_of_the_distinct_inputs():
    context = PlotContext(split="full_dataset", n_rows=60000, label_entropy=1.0, n_distinct_inputs=1024)
    axis = load().plot(measures(), context).axes[0]
    assert axis.get_xlim()[1] == 10 * 1.04
    assert [line.get_xdata()[0] for line in axis.lines if line.get_linestyle() == "--"][0] == 10
    plt.close("all")


def test_generate_writes_a_png_and_closes_the_figure(tmp_path):
    import matplotlib.pyplot as plt

    plt.close("all")
    context = PlotContext(split="test", n_rows=819, label_entropy=1.0)
    path = load(colormap="magma").generate(measures(), context, tmp_path)
    assert path == tmp_path / "infoplane.png"
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert plt.imread(path).shape[:2] == (600, 800), "8 x 6 inches at 100 dpi"
    assert plt.get_fignums() == []
