"""Activations over training: per layer, the histogram of its activations at every snapshot, as an image."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.plotter._activation_histograms import Histograms, layer_histograms
from deep_bottleneck.plotter.base import BasePlotter, PlotContext, checked_colormap, checked_positive_int


def draw_histograms(axis: plt.Axes, histograms: Histograms, values: np.ndarray, colormap: str):
    """One column per snapshot (fractions of the snapshot's values per bin, log colour scale); the x ticks are
    epochs."""
    image = axis.imshow(np.maximum(values.T, 1e-5), origin="lower", aspect="auto", interpolation="nearest",
                        cmap=colormap, norm=LogNorm(vmin=1e-4, vmax=1),
                        extent=(0, len(histograms.epochs), histograms.edges[0], histograms.edges[-1]))
    ticks = np.unique(np.linspace(0, len(histograms.epochs) - 1, 5).round().astype(int))
    axis.set_xticks(ticks + 0.5, [str(histograms.epochs[t]) for t in ticks])
    return image


def activation_data(context: PlotContext):
    """The run's activation files, or an error saying there are none."""
    if not context.activation_files:
        raise DeepBottleneckError("The run has no activation files to draw histograms of.")
    return context.activation_files


class ActivityPlotter(BasePlotter):
    """Per layer, readout included, a histogram of all its units' activations (pooled over every run) at each
    snapshot epoch: one image column per snapshot.

    Args:
        bins: Bins between the layer's smallest and largest activation.
        colormap: Colours of the fractions.
    """

    plotname = "activations"
    per_estimator = False

    def __init__(self, bins: int = 30, colormap: str = "viridis") -> None:
        self.bins = bins
        self.colormap = colormap

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        paths = activation_data(context)
        names = context.layer_names
        figure, axes = plt.subplots(len(names), 1, figsize=(8, 1.6 * len(names) + 0.8), sharex=True,
                                    layout="constrained", squeeze=False)
        image = None
        for axis, name in zip(axes[:, 0], names):
            histograms = layer_histograms(paths, name, self.bins)
            image = draw_histograms(axis, histograms, histograms.fractions, self.colormap)
            axis.set_ylabel(f"{name}\nactivation", fontsize="small")
        axes[-1, 0].set_xlabel("epoch (one column per snapshot)")
        figure.colorbar(image, ax=axes[:, 0], label="fraction of activations", shrink=0.6)
        figure.suptitle(context.titled(f"activations over training, {len(paths)} run{'s' if len(paths) > 1 else ''}"
                                       f" pooled"), fontsize="medium")
        return figure


def load(bins: int = 30, colormap: str = "viridis") -> ActivityPlotter:
    """Plotter plug-in entry point.

    Raises:
        ValueError: ``bins`` is not a positive integer, or matplotlib has no such colormap.
    """
    return ActivityPlotter(checked_positive_int("bins", bins), checked_colormap(colormap))
