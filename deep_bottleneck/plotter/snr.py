"""Gradient signal and noise per layer over training (Shwartz-Ziv & Tishby's drift and diffusion phases).

Four panels on log-log axes, one line per layer (the mean over runs; each run faint): the norm of the mean
minibatch gradient, the norm of its standard deviation, their ratio (signal-to-noise) and the norm of the
weights. The statistics are recorded during training at the snapshot epochs, from that epoch's minibatches
(``deep_bottleneck.run.gradient_statistics``), for every repetition.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from deep_bottleneck.errors import DeepBottleneckError
from deep_bottleneck.plotter.base import BasePlotter, PlotContext

PANELS = {"mean_norm": "||mean gradient||", "std_norm": "||std of gradient||", "snr": "signal-to-noise ratio",
          "weight_norm": "||weights||"}


class SignalToNoiseRatioPlotter(BasePlotter):
    """Per layer, at the snapshot epochs: gradient mean and standard deviation norms, their ratio, weight norm."""

    plotname = "snr"
    per_estimator = False
    needs_gradient_statistics = True

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        statistics = context.gradient_statistics
        if statistics is None or statistics.empty:
            raise DeepBottleneckError("The run has no gradient statistics: plotter.snr draws what training recorded "
                                      "while it was configured.")
        n_runs = statistics["run"].nunique()
        # Epoch 0 is the end of the first epoch: shift by one for the logarithmic axis.
        statistics = statistics.assign(step=statistics["epoch"] + 1)
        figure, axes = plt.subplots(2, 2, figsize=(10, 7.5), sharex=True, layout="constrained")
        colours = plt.get_cmap("tab10")
        for axis, (column, title) in zip(axes.flat, PANELS.items()):
            for layer, rows in statistics.groupby("layer"):
                colour = colours(layer % 10)
                if n_runs > 1:
                    for _, run in rows.groupby("run"):
                        axis.plot(run["step"], run[column], color=colour, alpha=0.25, linewidth=0.6)
                mean = rows.groupby("step")[column].mean()
                axis.plot(mean.index, mean.to_numpy(), color=colour, linewidth=1.4, label=rows["layer_name"].iloc[0])
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_title(title, fontsize="medium")
        for axis in axes[1]:
            axis.set_xlabel("epoch + 1")
        axes[0, 0].legend(fontsize="small", title="layer (kernel)")
        figure.suptitle(context.titled(f"gradient statistics over minibatches, mean of {n_runs} "
                                       f"run{'s' if n_runs > 1 else ''}{' (each run faint)' if n_runs > 1 else ''}"),
                        fontsize="medium")
        return figure


def load() -> SignalToNoiseRatioPlotter:
    """Plotter plug-in entry point."""
    return SignalToNoiseRatioPlotter()
