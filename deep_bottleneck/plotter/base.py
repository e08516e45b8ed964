"""What every plotter receives and how its figures are saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from deep_bottleneck.errors import closest_match_hint  # noqa: E402
from deep_bottleneck.record_file import replace_atomically  # noqa: E402


@dataclass(frozen=True)
class PlotContext:
    """Facts about the run and the data the measures were estimated on.

    Attributes:
        split: ``training``, ``test`` or ``full_dataset``.
        n_rows: Rows MI was estimated on.
        label_entropy: H(Y) in bits; it bounds I(T;Y).
        layer_names: Name of each layer index; the last is the readout.
        estimator: Config name of the estimator.
        file_suffix: Ends the plot's file name (``_<estimator>`` when a run has several estimators).
        n_runs: Repetitions of the run.
        activation_files: Every repetition's activation file, in repetition order.
        gradient_statistics: Gradient statistics of every repetition (columns of ``run.gradient_statistics`` and
            ``run``), when a configured plotter ``needs_gradient_statistics``; else None.
        metrics: Training metrics of every repetition, columns ``run, name, epoch, value`` (``name`` as
            ``training.loss``, ``validation.accuracy``, ...); None when unknown.
        run_name: The run's name (and id), which titles start with; empty when unknown.
        estimator_arguments: The estimator's arguments whose values differ from its plug-in's defaults.
        n_distinct_inputs: Distinct inputs among the ``n_rows`` rows; log2 of it bounds I(X;T). None when
            unknown (``n_rows`` is used).
        snapshot_schedule: ``stepped`` or ``log`` (epochs are then coloured on a logarithmic scale).
        family_size: The measures are of a family of this many networks (``deep_bottleneck.network_family``);
            0 for measures of single networks.
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
    run_name: str = ""
    estimator_arguments: dict = field(default_factory=dict)
    n_distinct_inputs: int | None = None
    snapshot_schedule: str = "stepped"
    family_size: int = 0

    @property
    def input_ceiling_bits(self) -> float:
        """log2 of the distinct inputs (of the rows when unknown): no estimate of I(X;T) on these rows exceeds it."""
        return float(np.log2(max(self.n_distinct_inputs or self.n_rows, 1)))

    @property
    def estimator_title(self) -> str:
        """The estimator and the arguments that differ from its defaults, as
        ``mi_estimator.upper(discretization_range=0.01)``."""
        arguments = ", ".join(f"{key}={value}" for key, value in self.estimator_arguments.items())
        return f"{self.estimator}({arguments})" if arguments else self.estimator

    def titled(self, title: str) -> str:
        """``title`` after the run's name, when known."""
        return f"{self.run_name}: {title}" if self.run_name else title


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
            replace_atomically(path, lambda temporary: figure.savefig(temporary, dpi=self.dpi))
        finally:
            plt.close(figure)
        return path

    def output_path(self, context: PlotContext, output_dir: Path) -> Path:
        """Where ``generate`` writes the plot."""
        return Path(output_dir) / f"{self.plotname}{context.file_suffix}.{self.extension}"

    def data_paths(self, context: PlotContext, output_dir: Path) -> list[Path]:
        """Data files ``generate`` writes beside the plot (stored with it as the run's outputs); none by default."""
        return []


def checked_colormap(name: str) -> str:
    """``name`` if matplotlib knows the colormap.

    Raises:
        ValueError: Naming the closest colormaps.
    """
    if name not in matplotlib.colormaps:
        hint = closest_match_hint(str(name), list(matplotlib.colormaps))
        raise ValueError(f"matplotlib has no colormap {name!r}.{hint}")
    return name


def checked_boolean(argument: str, value: bool) -> bool:
    """``value`` if it is True or False.

    Raises:
        ValueError: Naming the argument.
    """
    if not isinstance(value, bool):
        raise ValueError(f"{argument} must be true or false, got {value!r}.")
    return value


def checked_positive_int(argument: str, value: int) -> int:
    """``value`` if it is an integer of at least 1.

    Raises:
        ValueError: Naming the argument.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{argument} must be a positive integer, got {value!r}.")
    return value
