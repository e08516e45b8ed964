"""The information plane: I(T;Y) against I(X;T) for every layer, coloured by epoch, with the spread over runs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from deep_bottleneck.plotter.base import BasePlotter, PlotContext, average_over_runs, checked_colormap

#: Marker of each layer (cycled for deeper networks).
LAYER_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def set_information_plane_axes(axis: plt.Axes, context: PlotContext) -> None:
    """Labels, and limits at the data's ceilings log2 N and H(Y) (drawn as dashed lines)."""
    x_ceiling, y_ceiling = np.log2(context.n_rows), context.label_entropy
    axis.axvline(x_ceiling, color="grey", linestyle="--", linewidth=0.8)
    axis.axhline(y_ceiling, color="grey", linestyle="--", linewidth=0.8)
    axis.set_xlim(0, x_ceiling * 1.04)
    axis.set_ylim(0, y_ceiling * 1.06)
    axis.set_xlabel("I(X;T) [bits]")
    axis.set_ylabel("I(T;Y) [bits]")


def layer_name(context: PlotContext, layer: int) -> str:
    """The recorded name of layer index ``layer``."""
    return context.layer_names[layer] if layer < len(context.layer_names) else f"layer_{layer}"


def layer_marker(layer: int) -> str:
    return LAYER_MARKERS[layer % len(LAYER_MARKERS)]


def layer_legend(axis: plt.Axes, layers, context: PlotContext) -> None:
    """A legend naming each layer by its marker."""
    handles = [Line2D([], [], marker=layer_marker(layer), color="black", linestyle="none", markersize=6,
                      label=layer_name(context, layer)) for layer in layers]
    axis.legend(handles=handles, loc="lower right", fontsize="small", title="layer")


class InformationPlanePlotter(BasePlotter):
    """MI averaged over runs, each layer's mean path marked by its own marker and coloured by epoch; each run's
    path drawn faintly behind it, so the spread over runs shows; the layers of one epoch joined by a line.

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
        points = None
        for layer in layers:
            rows = summary[summary["layer"] == layer].sort_values("epoch")
            points = axis.scatter(rows["MI_XM"], rows["MI_YM"], c=rows["epoch"], cmap=cmap, norm=norm,
                                  marker=layer_marker(layer), s=18, edgecolors="none", zorder=3)
            last = rows.iloc[-1]
            axis.annotate(layer_name(context, layer), (last["MI_XM"], last["MI_YM"]), xytext=(4, 4),
                          textcoords="offset points", fontsize="small", zorder=4)
        figure.colorbar(points, ax=axis, label="epoch")
        layer_legend(axis, layers, context)
        set_information_plane_axes(axis, context)
        spread = f"mean of {n_runs} runs, each run faint" if n_runs > 1 else "1 run"
        axis.set_title(f"Information plane: {context.estimator}, {context.split} (N={context.n_rows})\n{spread}",
                       fontsize="medium")
        return figure


def load(colormap: str = "viridis") -> InformationPlanePlotter:
    """Plotter plug-in entry point.

    Raises:
        ValueError: matplotlib has no such colormap.
    """
    return InformationPlanePlotter(checked_colormap(colormap))
