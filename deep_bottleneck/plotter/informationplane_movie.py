"""The information plane as a movie: the layers' path through the plane, epoch by epoch.

Written as H.264 MP4 by a real ffmpeg: the static binary shipped in the ``imageio-ffmpeg`` package.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.animation import FFMpegWriter

from deep_bottleneck.estimation import average_over_runs
from deep_bottleneck.plotter.base import BasePlotter, PlotContext, checked_colormap, checked_positive_int
from deep_bottleneck.plotter.informationplane import set_information_plane_axes


def frame_epochs(epochs: np.ndarray, max_frames: int) -> np.ndarray:
    """At most ``max_frames`` of the recorded epochs, spread evenly, first and last included."""
    epochs = np.sort(np.unique(epochs))
    if len(epochs) <= max_frames:
        return epochs
    return epochs[np.unique(np.linspace(0, len(epochs) - 1, max_frames).round().astype(int))]


class InformationPlaneMoviePlotter(BasePlotter):
    """MI averaged over all runs; each frame shows one epoch's layers (joined) over the faded path so far.

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

    def _draw(self, summary: pd.DataFrame, context: PlotContext):
        figure, axis = plt.subplots(figsize=(6.4, 4.8))
        set_information_plane_axes(axis, context)
        epochs = summary["epoch"].to_numpy()
        norm = plt.Normalize(epochs.min(), max(epochs.max(), epochs.min() + 1))
        history = axis.scatter([], [], s=10, c=[], cmap=self.colormap, norm=norm, alpha=0.35, edgecolors="none")
        figure.colorbar(history, ax=axis, label="epoch")
        (current,) = axis.plot([], [], "-o", color="black", markersize=5, linewidth=1)
        return figure, axis, history, current

    @staticmethod
    def _show_epoch(summary: pd.DataFrame, epoch: int, axis, history, current, context: PlotContext) -> None:
        seen = summary[summary["epoch"] <= epoch]
        history.set_offsets(seen[["MI_XM", "MI_YM"]].to_numpy())
        history.set_array(seen["epoch"].to_numpy())
        now = seen[seen["epoch"] == epoch].sort_values("layer")
        current.set_data(now["MI_XM"].to_numpy(), now["MI_YM"].to_numpy())
        axis.set_title(f"Information plane ({context.split}), epoch {epoch}")

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        """The last frame."""
        summary = average_over_runs(measures)
        figure, axis, history, current = self._draw(summary, context)
        self._show_epoch(summary, int(summary["epoch"].max()), axis, history, current, context)
        return figure

    def generate(self, measures: pd.DataFrame, context: PlotContext, output_dir: Path) -> Path:
        """Write ``infoplane_movie.mp4`` with one frame per (subsampled) recorded epoch."""
        import imageio_ffmpeg

        summary = average_over_runs(measures)
        path = self.output_path(context, output_dir)
        plt.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
        writer = FFMpegWriter(fps=self.fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p"])
        figure, axis, history, current = self._draw(summary, context)
        try:
            with writer.saving(figure, str(path), dpi=100):
                for epoch in frame_epochs(summary["epoch"].to_numpy(), self.max_frames):
                    self._show_epoch(summary, int(epoch), axis, history, current, context)
                    writer.grab_frame()
        finally:
            plt.close(figure)
        return path


def load(fps: int = 10, max_frames: int = 120, colormap: str = "viridis") -> InformationPlaneMoviePlotter:
    """Plotter plug-in entry point.

    Raises:
        ValueError: A count is not a positive integer, or matplotlib has no such colormap.
    """
    return InformationPlaneMoviePlotter(
        checked_positive_int("fps", fps), checked_positive_int("max_frames", max_frames), checked_colormap(colormap))
