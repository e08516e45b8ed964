"""Activations of single units over training: per unit, the histogram of its activations at every snapshot.

Wide layers show ``max_units`` units spread evenly over the layer (first and last included), so the figure's
size is bounded whatever the width: at most ``max_units`` columns, one row per layer.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd

from deep_bottleneck.activation_file import ActivationFile
from deep_bottleneck.plotter._activation_histograms import layer_histograms, spread_units
from deep_bottleneck.plotter.activations import activation_data, draw_histograms
from deep_bottleneck.plotter.base import BasePlotter, PlotContext, checked_colormap, checked_positive_int


class SingleNeuronActivityPlotter(BasePlotter):
    """One panel per (layer, unit): the unit's activation histogram (pooled over every run) at each snapshot;
    each panel's title names its unit, each row's label says how many of the layer's units are shown.

    Args:
        bins: Bins between the layer's smallest and largest activation.
        max_units: Units shown per layer at most.
        colormap: Colours of the fractions.
    """

    plotname = "single_neuron_activations"
    per_estimator = False

    def __init__(self, bins: int = 30, max_units: int = 8, colormap: str = "viridis") -> None:
        self.bins = bins
        self.max_units = max_units
        self.colormap = colormap

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        paths = activation_data(context)
        with ActivationFile(paths[0]) as store:
            widths = [store.layer(name).shape[2] for name in context.layer_names]
        units = [spread_units(width, self.max_units) for width in widths]
        n_columns = max(len(chosen) for chosen in units)
        figure, axes = plt.subplots(len(widths), n_columns, figsize=(1.9 * n_columns + 1, 1.5 * len(widths) + 0.8),
                                    layout="constrained", squeeze=False)
        image = None
        for row, (name, width, chosen) in enumerate(zip(context.layer_names, widths, units)):
            histograms = layer_histograms(paths, name, self.bins, units=chosen)
            for column in range(n_columns):
                axis = axes[row, column]
                if column >= len(chosen):
                    axis.axis("off")
                    continue
                image = draw_histograms(axis, histograms, histograms.fractions[column], self.colormap)
                axis.set_title(f"{name} unit {chosen[column]}", fontsize="x-small")
                axis.tick_params(labelsize="x-small")
                axis.set_xlabel("epoch", fontsize="x-small")
            shown = "all" if len(chosen) == width else f"{len(chosen)} of"
            axes[row, 0].set_ylabel(f"{name}: {shown} {width} units\nactivation", fontsize="x-small")
        figure.colorbar(image, ax=axes, label="fraction of activations", shrink=0.6)
        runs = f"{len(paths)} run{'s' if len(paths) > 1 else ''} pooled"
        explanation = (f"each panel one unit: x the epoch of each snapshot, y its activation, colour the fraction of "
                       f"rows; at most {self.max_units} units per layer, spread evenly, first and last included")
        # About 100 characters of small print fit in 8 inches.
        figure.suptitle(context.titled(f"activations of single units over training ({runs})") + "\n"
                        + textwrap.fill(explanation, int(12 * figure.get_figwidth())), fontsize="small")
        return figure


def load(bins: int = 30, max_units: int = 8, colormap: str = "viridis") -> SingleNeuronActivityPlotter:
    """Plotter plug-in entry point.

    Raises:
        ValueError: A count is not a positive integer, or matplotlib has no such colormap.
    """
    return SingleNeuronActivityPlotter(checked_positive_int("bins", bins), checked_positive_int("max_units", max_units),
                                       checked_colormap(colormap))
