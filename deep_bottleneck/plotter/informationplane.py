"""The information plane: I(T;Y) against I(X;T) for every layer, coloured by epoch."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from deep_bottleneck.estimation import average_over_runs
from deep_bottleneck.plotter.base import BasePlotter, PlotContext, checked_colormap


def set_information_plane_axes(axis: plt.Axes, context: PlotContext) -> None:
    """Labels, and limits at the data's ceilings log2 N and H(Y) (drawn as dashed lines)."""
    x_ceiling, y_ceiling = np.log2(context.n_rows), context.label_entropy
    axis.axvline(x_ceiling, color="grey", linestyle="--", linewidth=0.8)
    axis.axhline(y_ceiling, color="grey", linestyle="--", linewidth=0.8)
    axis.set_xlim(0, x_ceiling * 1.04)
    axis.set_ylim(0, y_ceiling * 1.06)
    axis.set_xlabel("I(X;T) [bits]")
    axis.set_ylabel("I(T;Y) [bits]")


class InformationPlanePlotter(BasePlotter):
    """MI averaged over runs; points coloured by epoch; the layers of one epoch joined by a line.

    The axes reach the data's true ceilings, log2 N for I(X;T) and H(Y) for I(T;Y).
    """

    plotname = "infoplane"

    def __init__(self, colormap: str = "viridis") -> None:
        self.colormap = colormap

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        summary = average_over_runs(measures)
        figure, axis = plt.subplots(figsize=(8, 6), layout="constrained")
        epochs = np.sort(summary["epoch"].unique())
        norm = plt.Normalize(epochs.min(), max(epochs.max(), epochs.min() + 1))
        cmap = plt.get_cmap(self.colormap)
        paths = [
            group.sort_values("layer")[["MI_XM", "MI_YM"]].to_numpy()
            for _, group in summary.groupby("epoch", sort=True)
        ]
        axis.add_collection(LineCollection(paths, colors=cmap(norm(epochs)), linewidths=0.6, alpha=0.4))
        points = axis.scatter(summary["MI_XM"], summary["MI_YM"], c=summary["epoch"], cmap=cmap, norm=norm,
                              s=18, edgecolors="none", zorder=3)
        figure.colorbar(points, ax=axis, label="epoch")
        set_information_plane_axes(axis, context)
        n_runs = measures["run"].nunique()
        axis.set_title(f"Information plane ({context.estimator}, {context.split}, N={context.n_rows}, "
                       f"mean of {n_runs} run{'s' if n_runs > 1 else ''})")
        return figure


def load(colormap: str = "viridis") -> InformationPlanePlotter:
    """Plotter plug-in entry point.

    Raises:
        ValueError: matplotlib has no such colormap.
    """
    return InformationPlanePlotter(checked_colormap(colormap))
