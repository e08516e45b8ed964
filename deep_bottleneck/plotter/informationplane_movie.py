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
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from deep_bottleneck.plotter._error_bars import error_bar_description, error_bar_segments, mean_with_error_bars
from deep_bottleneck.plotter._plane import (
    epoch_colorbar, epoch_norm, layer_legend, layer_marker, plane_title, set_information_plane_axes,
)
from deep_bottleneck.plotter.base import (
    BasePlotter, PlotContext, average_over_runs, checked_boolean, checked_colormap, checked_positive_int,
)
from deep_bottleneck.record_file import replace_atomically

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
                 n_runs: int, error_table: pd.DataFrame | None = None) -> None:
        self.summary = summary.sort_values(["epoch", "layer"])
        self.error_table = error_table
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
        #: The current epoch's error bars (none drawn without an ``error_table``).
        self.bars = self.plane.add_collection(LineCollection([], colors="black", linewidths=0.8, alpha=0.6,
                                                             animated=True, gid="error_bars"))
        if error_table is not None:
            self.plane.legend(handles=[Line2D([], [], color="black", alpha=0.6, linewidth=0.8,
                                              label=error_bar_description(error_table))],
                              loc="upper left", fontsize="small")
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
        return [self.history, self.bars, self.current, *self.current_layers.values(), self.label]

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
        if self.error_table is not None:
            self.bars.set_segments(error_bar_segments(self.error_table[self.error_table["epoch"] == epoch]))
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

    With ``error_bars`` the current epoch's layers carry the error bars of ``plotter.informationplane``, whose
    ends are written beside the movie as ``infoplane_movie<suffix>_error_bars.csv``.

    Args:
        fps: Frames per second.
        max_frames: Frames at most (recorded epochs are subsampled evenly beyond this).
        colormap: Colours of the epochs.
        error_bars: Draw the error bars.
    """

    plotname = "infoplane_movie"
    extension = "mp4"

    def __init__(self, fps: int = 10, max_frames: int = 120, colormap: str = "viridis",
                 error_bars: bool = False) -> None:
        self.fps = fps
        self.max_frames = max_frames
        self.colormap = colormap
        self.error_bars = error_bars

    def _frames(self, measures: pd.DataFrame, context: PlotContext) -> _Frames:
        error_table = mean_with_error_bars(measures, context.estimator) if self.error_bars else None
        return _Frames(average_over_runs(measures), mean_metrics(context.metrics), context, self.colormap,
                       measures["run"].nunique(), error_table)

    def error_bar_path(self, context: PlotContext, output_dir: Path) -> Path:
        """Where ``generate`` writes the error bars' table."""
        return self.output_path(context, output_dir).with_name(f"{self.plotname}{context.file_suffix}_error_bars.csv")

    def data_paths(self, context: PlotContext, output_dir: Path) -> list[Path]:
        return [self.error_bar_path(context, output_dir)] if self.error_bars else []

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        """The last frame."""
        frames = self._frames(measures, context)
        frames.show(int(frames.summary["epoch"].max()))
        for artist in (*frames.changing_plane_artists, frames.marker):
            artist.set_animated(False)
        return frames.figure

    def generate(self, measures: pd.DataFrame, context: PlotContext, output_dir: Path) -> Path:
        """Write ``infoplane_movie.mp4`` with one frame per (subsampled) recorded epoch."""
        import imageio_ffmpeg

        path = self.output_path(context, output_dir)
        frames = self._frames(measures, context)
        if frames.error_table is not None:
            replace_atomically(self.error_bar_path(context, output_dir),
                               lambda temporary: frames.error_table.to_csv(temporary, index=False))
        width, height = frames.figure.canvas.get_width_height()
        writer = imageio_ffmpeg.write_frames(str(path), (width, height), fps=self.fps, codec="libx264",
                                             pix_fmt_in="rgb24", pix_fmt_out="yuv420p", macro_block_size=16,
                                             ffmpeg_log_level="error")
        try:
            writer.send(None)
            for epoch in frame_epochs(frames.summary["epoch"].to_numpy(), self.max_frames):
                writer.send(np.ascontiguousarray(frames.show(int(epoch))).tobytes())
        finally:
            writer.close()
            plt.close(frames.figure)
        return path


def load(fps: int = 10, max_frames: int = 120, colormap: str = "viridis",
         error_bars: bool = False) -> InformationPlaneMoviePlotter:
    """Plotter plug-in entry point.

    Raises:
        ValueError: A count is not a positive integer, matplotlib has no such colormap, or ``error_bars`` is not
            true or false.
    """
    return InformationPlaneMoviePlotter(
        checked_positive_int("fps", fps), checked_positive_int("max_frames", max_frames), checked_colormap(colormap),
        checked_boolean("error_bars", error_bars))
