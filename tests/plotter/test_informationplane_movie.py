import imageio_ffmpeg
import numpy as np
import pandas as pd

from deep_bottleneck.plotter.base import PlotContext
from deep_bottleneck.plotter.informationplane_movie import frame_epochs, load


def measures(epochs):
    rows = [(epoch, layer, run, 11 - layer - epoch / 100, 0.2 + epoch / 200 + run * 0.01)
            for epoch in epochs for layer in range(4) for run in range(2)]
    return pd.DataFrame(rows, columns=["epoch", "layer", "run", "MI_XM", "MI_YM"])


def test_frames_are_subsampled_evenly_with_first_and_last():
    chosen = frame_epochs(np.arange(230), 50)
    assert chosen[0] == 0 and chosen[-1] == 229 and len(chosen) == 50
    assert list(frame_epochs(np.array([3, 1, 2]), 10)) == [1, 2, 3]


def test_movie_is_a_real_h264_mp4_with_one_frame_per_epoch(tmp_path):
    context = PlotContext(split="full_dataset", n_rows=4096, label_entropy=0.999)
    path = load(fps=10, max_frames=30).generate(measures(range(0, 40)), context, tmp_path)
    assert path == tmp_path / "infoplane_movie.mp4"
    assert path.read_bytes()[4:8] == b"ftyp"
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 30 and abs(seconds - 3.0) < 0.2


def test_frames_show_the_mean_of_all_runs_and_the_training_curves(tmp_path):
    import matplotlib.pyplot as plt

    metrics = pd.DataFrame([(run, name, epoch, 0.5 + epoch / 100 if "accuracy" in name else 1 - epoch / 100)
                            for run in range(2) for name in ("training.accuracy", "validation.loss")
                            for epoch in range(40)], columns=["run", "name", "epoch", "value"])
    context = PlotContext(split="full_dataset", n_rows=4096, label_entropy=0.999, metrics=metrics)
    plt.close("all")
    figure = load().plot(measures(range(0, 40, 4)), context)
    plane, curves = figure.axes[0], figure.axes[1]
    points = [line for line in plane.lines if line.get_marker() not in ("None", "", None)]
    legend = {text.get_text(): handle.get_marker()
              for text, handle in zip(plane.figure.legends[0].get_texts(), plane.figure.legends[0].legend_handles)}
    assert [line.get_marker() for line in points] == [legend[f"layer_{layer}"] for layer in range(4)]
    assert len(set(legend.values())) == 4 + 1, "a marker per layer, and the ceilings' line"
    for layer, point in enumerate(points):
        np.testing.assert_allclose(point.get_xydata(), [[11 - layer - 0.36, 0.2 + 36 / 200 + 0.005]])
    assert any(text.get_text() == "epoch 36" for text in plane.texts)
    assert "mean of 2 runs" in figure.get_suptitle()
    assert len(curves.lines) == 2 and len(figure.axes) >= 3, "accuracy, the epoch marker, and a loss axis"
    plt.close(figure)
    frames = list(imageio_ffmpeg.read_frames(str(load(max_frames=5).generate(measures(range(0, 40, 4)), context,
                                                                              tmp_path))))
    assert frames[0] == {**frames[0], "size": (960, 480)} and len(frames) == 1 + 5
    assert len({bytes(frame) for frame in frames[1:]}) == 5, "every frame differs"


def test_a_short_run_has_whole_epoch_ticks():
    import matplotlib.pyplot as plt

    metrics = pd.DataFrame([(0, "training.accuracy", epoch, 0.5 + epoch / 10) for epoch in range(3)],
                           columns=["run", "name", "epoch", "value"])
    context = PlotContext(split="full_dataset", n_rows=4096, label_entropy=0.999, metrics=metrics)
    figure = load().plot(measures(range(3)), context)
    figure.canvas.draw()
    plane, curves, colorbar = figure.axes[:3]
    for axis in (curves.xaxis, colorbar.yaxis):
        ticks = [tick for tick in axis.get_ticklocs() if 0 <= tick <= 2]
        assert ticks and all(float(tick).is_integer() for tick in ticks)
    plt.close(figure)
