"""The information plane as a movie: the layers' mean path through the plane, epoch by epoch, beside the
training curves.

Written as H.264 MP4 by a real ffmpeg: the static binary shipped in the ``imageio-ffmpeg`` package. Frames are
drawn by blitting: the axes, colour bar and training curves are drawn once; each frame redraws only the
points, the current layers (each with its marker of the legend), the epoch label and the epoch marker on the
curves.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from deep_bottleneck.plotter._plane import (
    epoch_colorbar, epoch_norm, layer_legend, layer_marker, plane_title, set_information_plane_axes,
)
from deep_bottleneck.plotter.base import (
    BasePlotter, PlotContext, average_over_runs, checked_colormap, checked_positive_int,
)

#: Figure size in inches; at ``BasePlotter.dpi`` both pixel sizes are multiples of 16, as H.264 wants.
FIGURE_SIZE = (9.6, 4.8)
#: Training metrics drawn beside the plane, with their style.
CURVES = {"training.accuracy": ("accuracy", "-", "tab:blue"), "validation.accuracy": ("accuracy", "--", "tab:blue"),
          "training.loss": ("loss", "-", "tab:red"), "validation.loss": ("loss", "--", "tab:red")}


def frame_epochs(epochs: np.ndarray, max_frames: int) -> np.ndarray:
    """At most ``max_frames`` of the recorded epochs, spread evenly, first and last included."""
    epochs = np.sort(np.unique(epochs))
    if len(epochs) <= max_frames:
        return epochs
    return epochs[np.unique(np.linspace(0, len(epochs) - 1, max_frames).round().astype(int))]


def mean_metrics(metrics: pd.DataFrame | None) -> pd.DataFrame:
    """Each training metric's mean over the runs, per epoch every run reached: columns are metric names."""
    if metrics is None or metrics.empty:
        return pd.DataFrame()
    known = metrics[metrics["name"].isin(CURVES)]
    n_runs = metrics["run"].nunique()
    grouped = known.groupby(["name", "epoch"])["value"]
    table = grouped.mean()[grouped.count() == n_runs]
    return table.unstack("name").sort_index()


class _Frames:
    """The movie's figure and the artists that change from frame to frame."""

    def __init__(self, summary: pd.DataFrame, metrics: pd.DataFrame, context: PlotContext, colormap: str,
                 n_runs: int) -> None:
        self.summary = summary.sort_values(["epoch", "layer"])
        self.figure, (self.plane, self.curves) = plt.subplots(
            1, 2, figsize=FIGURE_SIZE, dpi=BasePlotter.dpi, width_ratios=(3, 2), layout="constrained")
        set_information_plane_axes(self.plane, context)
        self.figure.suptitle(plane_title(context, n_runs, width=130), fontsize="small")
        epochs = self.summary["epoch"].to_numpy()
        norm = epoch_norm(epochs, context)
        self.history = self.plane.scatter([], [], s=10, c=[], cmap=colormap, norm=norm, alpha=0.35,
                                          edgecolors="none", animated=True)
        epoch_colorbar(self.figure, norm, colormap, self.plane)
        (self.current,) = self.plane.plot([], [], "-", color="black", linewidth=1, animated=True)
        layers = sorted(self.summary["layer"].unique())
        self.current_layers = {layer: self.plane.plot([], [], linestyle="none", marker=layer_marker(layer),
                                                      color="black", markersize=5, animated=True)[0]
                               for layer in layers}
        layer_legend(self.figure, layers, context)
        self.label = self.plane.text(0.03, 0.95, "", transform=self.plane.transAxes, fontsize="large",
                                     fontweight="bold", va="top", animated=True)
        self._draw_curves(metrics, epochs)
        self.marker = self.curves.axvline(epochs.min(), color="black", linewidth=1, animated=True)
        self.figure.canvas.draw()
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)

    def _draw_curves(self, metrics: pd.DataFrame, epochs: np.ndarray) -> None:
        axis = self.curves
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
        axis.set_title("training (solid) and validation (dashed)", fontsize="medium")
        if metrics.empty:
            axis.text(0.5, 0.5, "no training metrics", ha="center", transform=axis.transAxes)
            axis.set_xlim(epochs.min(), max(epochs.max(), epochs.min() + 1))
            return
        loss_axis = axis.twinx()
        for name, (kind, style, colour) in CURVES.items():
            if name in metrics:
                target = axis if kind == "accuracy" else loss_axis
                target.plot(metrics.index, metrics[name], style, color=colour, linewidth=1)
        axis.set_ylabel("accuracy", color="tab:blue")
        loss_axis.set_ylabel("loss", color="tab:red")
        axis.set_xlim(metrics.index.min(), max(metrics.index.max(), metrics.index.min() + 1))

    @property
    def changing_plane_artists(self) -> list:
        return [self.history, self.current, *self.current_layers.values(), self.label]

    def show(self, epoch: int) -> np.ndarray:
        """The frame of ``epoch`` as RGB pixels."""
        seen = self.summary[self.summary["epoch"] <= epoch]
        self.history.set_offsets(seen[["MI_XM", "MI_YM"]].to_numpy())
        self.history.set_array(seen["epoch"].to_numpy())
        now = seen[seen["epoch"] == epoch]
        self.current.set_data(now["MI_XM"].to_numpy(), now["MI_YM"].to_numpy())
        for layer, point in self.current_layers.items():
            row = now[now["layer"] == layer]
            point.set_data(row["MI_XM"].to_numpy(), row["MI_YM"].to_numpy())
        self.label.set_text(f"epoch {epoch}")
        self.marker.set_xdata([epoch, epoch])
        canvas = self.figure.canvas
        canvas.restore_region(self.background)
        for artist in self.changing_plane_artists:
            self.plane.draw_artist(artist)
        self.curves.draw_artist(self.marker)
        return np.asarray(canvas.buffer_rgba())[:, :, :3]


class InformationPlaneMoviePlotter(BasePlotter):
    """MI averaged over all runs; each frame shows one epoch's layers (joined, each with its marker of the
    legend) over the faded path so far, the epoch's number, and the mean training and validation accuracy and
    loss with the epoch marked. Titled as ``plotter.informationplane`` is.

    Args:
        fps: Frames per second.
        max_frames: Frames at most (recorded epochs are subsampled evenly beyond this).
        colormap: Colours of the epochs.
    """

    plotname = "infoplane_movie"
    extension = "mp4"

    def __init__(self, fps: int = 10, max_frames: int = 120, colormap: str = "viridis") -> None:
        self.fps = fps
        self.max_frames = max_frames
        self.colormap = colormap

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        """The last frame."""
        frames = _Frames(average_over_runs(measures), mean_metrics(context.metrics), context, self.colormap,
                         measures["run"].nunique())
        frames.show(int(frames.summary["epoch"].max()))
        for artist in (*frames.changing_plane_artists, frames.marker):
            artist.set_animated(False)
        return frames.figure

    def generate(self, measures: pd.DataFrame, context: PlotContext, output_dir: Path) -> Path:
        """Write ``infoplane_movie.mp4`` with one frame per (subsampled) recorded epoch."""
        import imageio_ffmpeg

        summary = average_over_runs(measures)
        path = self.output_path(context, output_dir)
        frames = _Frames(summary, mean_metrics(context.metrics), context, self.colormap, measures["run"].nunique())
        width, height = frames.figure.canvas.get_width_height()
        writer = imageio_ffmpeg.write_frames(str(path), (width, height), fps=self.fps, codec="libx264",
                                             pix_fmt_in="rgb24", pix_fmt_out="yuv420p", macro_block_size=16,
                                             ffmpeg_log_level="error")
        try:
            writer.send(None)
            for epoch in frame_epochs(summary["epoch"].to_numpy(), self.max_frames):
                writer.send(np.ascontiguousarray(frames.show(int(epoch))).tobytes())
        finally:
            writer.close()
            plt.close(frames.figure)
        return path


def load(fps: int = 10, max_frames: int = 120, colormap: str = "viridis") -> InformationPlaneMoviePlotter:
    """Plotter plug-in entry point.

    Raises:
        ValueError: A count is not a positive integer, or matplotlib has no such colormap.
    """
    return InformationPlaneMoviePlotter(
        checked_positive_int("fps", fps), checked_positive_int("max_frames", max_frames), checked_colormap(colormap))
