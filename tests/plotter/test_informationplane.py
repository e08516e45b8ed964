import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PathCollection

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
                          layer_names=["input_side", "middle", "readout"])
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
    assert [t.get_text() for t in axis.get_legend().get_texts()] == ["input_side", "middle", "readout"]
    assert {t.get_text() for t in axis.texts} == {"input_side", "middle", "readout"}


def test_generate_writes_a_png_and_closes_the_figure(tmp_path):
    import matplotlib.pyplot as plt

    plt.close("all")
    context = PlotContext(split="test", n_rows=819, label_entropy=1.0)
    path = load(colormap="magma").generate(measures(), context, tmp_path)
    assert path == tmp_path / "infoplane.png"
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert plt.imread(path).shape[:2] == (600, 800), "8 x 6 inches at 100 dpi"
    assert plt.get_fignums() == []
