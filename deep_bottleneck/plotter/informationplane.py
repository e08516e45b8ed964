"""The information plane: I(T;Y) against I(X;T) for every layer, coloured by epoch, with the spread over runs."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from deep_bottleneck.plotter._error_bars import error_bar_description, mean_with_error_bars
from deep_bottleneck.plotter._plane import (
    epoch_colorbar, epoch_norm, layer_legend, layer_marker, place_layer_names, plane_title, set_information_plane_axes,
)
from deep_bottleneck.plotter.base import BasePlotter, PlotContext, average_over_runs, checked_boolean, checked_colormap
from deep_bottleneck.record_file import replace_atomically

#: Style of the error bars.
ERROR_BAR_STYLE = {"colors": "black", "linewidths": 0.7, "alpha": 0.45, "zorder": 2.5}


class InformationPlanePlotter(BasePlotter):
    """MI averaged over runs, each layer's mean path marked by its own marker and coloured by epoch (on a log
    scale for the ``log`` snapshot schedule); each run's path drawn faintly behind it, so the spread over runs
    shows; the layers of one epoch joined by a line; each layer named at its last point, no name over another.

    The axes reach the data's ceilings, log2 of the distinct inputs for I(X;T) and H(Y) for I(T;Y). The title
    names the run, the estimator with the arguments that differ from its defaults, and the split.

    With ``error_bars`` each mean point gets a horizontal bar (I(X;T)) and a vertical one (I(T;Y)) from the
    uncertainty columns of the measures, averaged over the runs as ``plotter._error_bars`` states; the legend says
    what the bars are, and the bars' ends are written beside the image as ``<image name>_error_bars.csv``.

    Args:
        colormap: Colours of the epochs.
        error_bars: Draw the error bars.
    """

    plotname = "infoplane"

    def __init__(self, colormap: str = "viridis", error_bars: bool = False) -> None:
        self.colormap = colormap
        self.error_bars = error_bars

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        summary = average_over_runs(measures)
        figure, axis = plt.subplots(figsize=(8, 6), layout="constrained")
        epochs = np.sort(summary["epoch"].unique())
        norm = epoch_norm(epochs, context)
        cmap = plt.get_cmap(self.colormap)
        n_runs = measures["run"].nunique()
        if n_runs > 1:
            runs = [group.sort_values("epoch")[["MI_XM", "MI_YM"]].to_numpy()
                    for _, group in measures.groupby(["run", "layer"])]
            axis.add_collection(LineCollection(runs, colors="grey", linewidths=0.6, alpha=0.35, zorder=1))
        paths = [
            group.sort_values("layer")[["MI_XM", "MI_YM"]].to_numpy()
            for _, group in summary.groupby("epoch", sort=True)
        ]
        axis.add_collection(LineCollection(paths, colors=cmap(norm(epochs)), linewidths=0.6, alpha=0.3, zorder=2))
        layers = sorted(summary["layer"].unique())
        last_points = {}
        for layer in layers:
            rows = summary[summary["layer"] == layer].sort_values("epoch")
            axis.scatter(rows["MI_XM"], rows["MI_YM"], c=rows["epoch"], cmap=cmap, norm=norm,
                         marker=layer_marker(layer), s=18, edgecolors="none", zorder=3)
            last_points[int(layer)] = (float(rows["MI_XM"].iloc[-1]), float(rows["MI_YM"].iloc[-1]))
        epoch_colorbar(figure, norm, self.colormap, axis)
        if self.error_bars:
            table = mean_with_error_bars(measures, context.estimator)
            draw_error_bars(axis, table)
            # Upper left: I(T;Y) <= I(X;T) keeps points out of it.
            axis.legend(handles=[Line2D([], [], color="black", alpha=0.45, linewidth=0.7,
                                        label=error_bar_description(table))], loc="upper left", fontsize="small")
        layer_legend(figure, layers, context)
        set_information_plane_axes(axis, context)
        axis.set_title(plane_title(context, n_runs), fontsize="medium")
        place_layer_names(axis, last_points, context)
        return figure

    def generate(self, measures: pd.DataFrame, context: PlotContext, output_dir: Path) -> Path:
        """The image (``BasePlotter.generate``) and, with ``error_bars``, the bars' table beside it."""
        path = super().generate(measures, context, output_dir)
        if self.error_bars:
            table = mean_with_error_bars(measures, context.estimator)
            replace_atomically(self.error_bar_path(context, output_dir),
                               lambda temporary: table.to_csv(temporary, index=False))
        return path

    def error_bar_path(self, context: PlotContext, output_dir: Path) -> Path:
        """Where ``generate`` writes the error bars' table."""
        return self.output_path(context, output_dir).with_name(f"{self.plotname}{context.file_suffix}_error_bars.csv")

    def data_paths(self, context: PlotContext, output_dir: Path) -> list[Path]:
        return [self.error_bar_path(context, output_dir)] if self.error_bars else []


def draw_error_bars(axis: plt.Axes, table: pd.DataFrame) -> list[LineCollection]:
    """Horizontal bars of I(X;T) and vertical bars of I(T;Y) at the mean points of ``table``
    (``plotter._error_bars.mean_with_error_bars``), as two line collections with gid ``error_bars_MI_XM`` and
    ``error_bars_MI_YM``; quantities without error get none."""
    collections = []
    stated = table.dropna(subset=["MI_XM_low"])
    if len(stated):
        segments = [((low, y), (high, y)) for low, high, y in stated[["MI_XM_low", "MI_XM_high", "MI_YM"]].to_numpy()]
        collections.append(axis.add_collection(LineCollection(segments, gid="error_bars_MI_XM", **ERROR_BAR_STYLE)))
    stated = table.dropna(subset=["MI_YM_low"])
    if len(stated):
        segments = [((x, low), (x, high)) for x, low, high in stated[["MI_XM", "MI_YM_low", "MI_YM_high"]].to_numpy()]
        collections.append(axis.add_collection(LineCollection(segments, gid="error_bars_MI_YM", **ERROR_BAR_STYLE)))
    return collections


def load(colormap: str = "viridis", error_bars: bool = False) -> InformationPlanePlotter:
    """Plotter plug-in entry point.

    Args:
        colormap: Name of the matplotlib colormap of the epochs.

    Raises:
        ValueError: matplotlib has no such colormap, or ``error_bars`` is not true or false.
    """
    return InformationPlanePlotter(checked_colormap(colormap), checked_boolean("error_bars", error_bars))
