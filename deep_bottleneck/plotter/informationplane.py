"""The information plane: I(T;Y) against I(X;T) for every layer, coloured by epoch, with the spread over runs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from deep_bottleneck.plotter._plane import (
    epoch_colorbar, epoch_norm, layer_legend, layer_marker, place_layer_names, plane_title, set_information_plane_axes,
)
from deep_bottleneck.plotter.base import BasePlotter, PlotContext, average_over_runs, checked_colormap


class InformationPlanePlotter(BasePlotter):
    """MI averaged over runs, each layer's mean path marked by its own marker and coloured by epoch (on a log
    scale for the ``log`` snapshot schedule); each run's path drawn faintly behind it, so the spread over runs
    shows; the layers of one epoch joined by a line; each layer named at its last point, no name over another.

    The axes reach the data's ceilings, log2 of the distinct inputs for I(X;T) and H(Y) for I(T;Y). The title
    names the run, the estimator with the arguments that differ from its defaults, and the split.
    """

    plotname = "infoplane"

    def __init__(self, colormap: str = "viridis") -> None:
        self.colormap = colormap

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
        layer_legend(figure, layers, context)
        set_information_plane_axes(axis, context)
        axis.set_title(plane_title(context, n_runs), fontsize="medium")
        place_layer_names(axis, last_points, context)
        return figure


def load(colormap: str = "viridis") -> InformationPlanePlotter:
    """Plotter plug-in entry point.

    Args:
        colormap: Name of the matplotlib colormap of the epochs.

    Raises:
        ValueError: matplotlib has no such colormap.
    """
    return InformationPlanePlotter(checked_colormap(colormap))
