"""What the information-plane plotters share: axes up to the data's ceilings, a marker and a name per layer (the
readout marked as such), epoch colours (on a logarithmic scale for the ``log`` snapshot schedule), titles that
name the run and the estimator, and layer names placed so that none covers another."""

from __future__ import annotations

import textwrap
from typing import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize, SymLogNorm
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from deep_bottleneck.plotter.base import PlotContext

#: Marker of each layer (cycled for deeper networks).
LAYER_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
CEILING_STYLE = {"color": "grey", "linestyle": "--", "linewidth": 0.8}
#: Pixels kept free between two layer names.
LABEL_GAP = 2.0


def layer_name(context: PlotContext, layer: int) -> str:
    """The recorded name of layer index ``layer``; the last recorded layer is named the readout."""
    if layer >= len(context.layer_names):
        return f"layer_{layer}"
    name = context.layer_names[layer]
    return f"{name} (readout)" if layer == len(context.layer_names) - 1 else name


def layer_marker(layer: int) -> str:
    return LAYER_MARKERS[layer % len(LAYER_MARKERS)]


def set_information_plane_axes(axis: plt.Axes, context: PlotContext) -> None:
    """Labels, and limits at the data's ceilings (dashed): log2 of the distinct inputs for I(X;T), H(Y) for
    I(T;Y)."""
    x_ceiling, y_ceiling = context.input_ceiling_bits, context.label_entropy
    axis.axvline(x_ceiling, **CEILING_STYLE)
    axis.axhline(y_ceiling, **CEILING_STYLE)
    axis.set_xlim(0, max(x_ceiling, 1e-3) * 1.04)
    axis.set_ylim(0, max(y_ceiling, 1e-3) * 1.06)
    axis.set_xlabel("I(X;T) [bits]")
    axis.set_ylabel("I(T;Y) [bits]")


def ceiling_label(context: PlotContext) -> str:
    inputs = context.n_distinct_inputs or context.n_rows
    return (f"ceilings: log2({inputs} distinct inputs) = {context.input_ceiling_bits:.2f}, "
            f"H(Y) = {context.label_entropy:.2f}")


def layer_legend(figure: plt.Figure, layers: Iterable[int], context: PlotContext) -> None:
    """A legend below the axes naming each layer by its marker, and the dashed ceilings."""
    handles = [Line2D([], [], marker=layer_marker(layer), color="black", linestyle="none", markersize=6,
                      label=layer_name(context, layer)) for layer in layers]
    handles.append(Line2D([], [], **CEILING_STYLE, label=ceiling_label(context)))
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize="small",
                  frameon=False)


def epoch_norm(epochs: np.ndarray, context: PlotContext) -> Normalize:
    """Colour scale of the epochs: logarithmic (linear below 1) for the ``log`` schedule, else linear."""
    low = int(np.min(epochs))
    high = max(int(np.max(epochs)), low + 1)
    if context.snapshot_schedule == "log":
        return SymLogNorm(linthresh=1, linscale=1, vmin=low, vmax=high, base=10)
    return Normalize(low, high)


def epoch_colorbar(figure: plt.Figure, norm: Normalize, colormap: str, axis: plt.Axes):
    """The colour bar of the epochs, ticked at whole epochs."""
    logarithmic = isinstance(norm, SymLogNorm)
    bar = figure.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=colormap), ax=axis,
                          label="epoch (log scale)" if logarithmic else "epoch")
    if not logarithmic:
        bar.ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
    return bar


def plane_title(context: PlotContext, n_runs: int, width: int = 100) -> str:
    """``<run>: information plane`` over ``<estimator(arguments)>, <split> (N=...), <what the points are>``, lines
    wrapped at ``width`` characters."""
    if context.family_size:
        points = f"family of {context.family_size} networks"
    elif n_runs > 1:
        points = f"mean of {n_runs} runs, each run faint"
    else:
        points = "1 run"
    lines = [context.titled("information plane"),
             f"{context.estimator_title}, {context.split} (N={context.n_rows}), {points}"]
    return "\n".join(textwrap.fill(line, width) for line in lines)


def text_extent(text: Text, renderer) -> Bbox:
    """The pixels a text's letters cover (an annotation's connecting line left out)."""
    return Text.get_window_extent(text, renderer)


def _overlapping(box, others, gap: float) -> list:
    return [other for other in others
            if box.x0 < other.x1 + gap and other.x0 < box.x1 + gap
            and box.y0 < other.y1 + gap and other.y0 < box.y1 + gap]


def place_layer_names(axis: plt.Axes, anchors: Mapping[int, tuple[float, float]],
                      context: PlotContext) -> list[Annotation]:
    """Name each layer beside its point ``anchors[layer]`` (data coordinates), with a thin line to it.

    Names right of the axes' middle stand left of their point. Going from the highest point down, a name that
    would cover one already placed moves down below it, so no two names overlap. Positions are worked out in
    pixels of the figure's final layout (the names take no part in the layout).
    """
    figure = axis.figure
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    middle = axis.transAxes.transform((0.5, 0.5))[0]
    pixels = {layer: axis.transData.transform(point) for layer, point in anchors.items()}
    placed, names = [], []
    for layer in sorted(anchors, key=lambda layer: (-pixels[layer][1], layer)):
        left = pixels[layer][0] > middle
        offset = (-6.0 if left else 6.0, 4.0)
        name = axis.annotate(layer_name(context, layer), anchors[layer], xytext=offset, textcoords="offset points",
                             ha="right" if left else "left", va="bottom", fontsize="small", zorder=4,
                             arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5, "shrinkA": 0,
                                         "shrinkB": 2})
        name.set_in_layout(False)
        box = text_extent(name, renderer)
        start = box.y0
        while hits := _overlapping(box, placed, LABEL_GAP):
            box = box.translated(0, min(other.y0 for other in hits) - LABEL_GAP - box.y1)
        name.xyann = (offset[0], offset[1] + (box.y0 - start) * 72.0 / figure.dpi)
        placed.append(box)
        names.append(name)
    return names
