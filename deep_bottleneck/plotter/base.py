"""What every plotter receives and how its figures are saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from deep_bottleneck.errors import closest_match_hint  # noqa: E402


@dataclass(frozen=True)
class PlotContext:
    """Facts about the data the measures were estimated on.

    Attributes:
        split: ``training``, ``test`` or ``full_dataset``.
        n_rows: Rows MI was estimated on; log2 of it bounds I(X;T).
        label_entropy: H(Y) in bits; it bounds I(T;Y).
        layer_names: Name of each layer index.
        estimator: Config name of the estimator.
        file_suffix: Ends the plot's file name (``_<estimator>`` when a run has several estimators).
        n_runs: Repetitions of the run.
        activation_files: Every repetition's activation file, in repetition order.
        gradient_statistics: Gradient statistics of every repetition (columns of ``run.gradient_statistics`` and
            ``run``), when a configured plotter ``needs_gradient_statistics``; else None.
        metrics: Training metrics of every repetition, columns ``run, name, epoch, value`` (``name`` as
            ``training.loss``, ``validation.accuracy``, ...); None when unknown.
    """

    split: str
    n_rows: int
    label_entropy: float
    layer_names: list[str] = field(default_factory=list)
    estimator: str = ""
    file_suffix: str = ""
    n_runs: int = 1
    activation_files: list[Path] = field(default_factory=list)
    gradient_statistics: pd.DataFrame | None = None
    metrics: pd.DataFrame | None = None


def average_over_runs(measures: pd.DataFrame) -> pd.DataFrame:
    """Mean MI per (epoch, layer) over the runs in ``measures``; only epochs every one of them reached are kept."""
    n_runs = measures["run"].nunique()
    grouped = measures.groupby(["epoch", "layer"])
    summary = grouped[["MI_XM", "MI_YM"]].mean()
    summary = summary[grouped["run"].nunique() == n_runs]
    return summary.reset_index()


class BasePlotter:
    """Base class: subclasses set ``plotname`` and implement ``plot``.

    Attributes:
        per_estimator: Drawn once per estimator from its MI measures (False: drawn once per run, from other
            data of the run folder).
        needs_gradient_statistics: Training records gradient statistics for this plotter.

    Figures are drawn with a layout engine (``layout="constrained"``) rather than cropped when saved, so an
    image's size is its figure's size times ``dpi``.
    """

    plotname = ""
    extension = "png"
    per_estimator = True
    needs_gradient_statistics = False
    #: Pixels per inch of the saved image: a figure of w x h inches is saved as (w * dpi) x (h * dpi) pixels.
    dpi = 100

    def plot(self, measures: pd.DataFrame, context: PlotContext) -> plt.Figure:
        """Draw the figure for the per-(epoch, layer, run) ``measures``."""
        raise NotImplementedError

    def generate(self, measures: pd.DataFrame, context: PlotContext, output_dir: Path) -> Path:
        """Draw, save to ``output_dir/<plotname><file suffix>.<extension>``, close the figure; return the path."""
        figure = self.plot(measures, context)
        path = self.output_path(context, output_dir)
        try:
            figure.savefig(path, dpi=self.dpi)
        finally:
            plt.close(figure)
        return path

    def output_path(self, context: PlotContext, output_dir: Path) -> Path:
        """Where ``generate`` writes the plot."""
        return Path(output_dir) / f"{self.plotname}{context.file_suffix}.{self.extension}"


def checked_colormap(name: str) -> str:
    """``name`` if matplotlib knows the colormap.

    Raises:
        ValueError: Naming the closest colormaps.
    """
    if name not in matplotlib.colormaps:
        hint = closest_match_hint(str(name), list(matplotlib.colormaps))
        raise ValueError(f"matplotlib has no colormap {name!r}.{hint}")
    return name


def checked_positive_int(argument: str, value: int) -> int:
    """``value`` if it is an integer of at least 1.

    Raises:
        ValueError: Naming the argument.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{argument} must be a positive integer, got {value!r}.")
    return value
