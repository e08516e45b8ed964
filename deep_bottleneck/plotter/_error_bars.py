"""Error bars of the information planes, from the uncertainty columns of the measures (``run.estimation``), and
their average over repetitions.

Each quantity (I(X;T) as ``MI_XM``, I(T;Y) as ``MI_YM``) of an estimator's rows has one kind of error, the first
of these its rows hold:

- ``standard error`` (``<quantity>_se``: goldfeld's Monte-Carlo errors, KSG's with ``error_bars``): the estimate
  +- 1.96 standard errors, a 95 % interval.
- ``exact`` (the ``exact`` column, ``mi_estimator.quantised``): a standard error of 0.
- ``KDE bounds`` (``<quantity>_kde_gap``, upper minus lower bound): the bracket between the bounds, from the upper
  bound's rows ``[upper - gap, upper]``, from the lower bound's ``[lower, lower + gap]``.
- ``Miller-Madow`` (``<quantity>_miller_madow``, binning's bias-corrected value): the bracket between the plug-in
  estimate and the corrected one.

Averaged over R repetitions (the planes' mean points), per (epoch, layer), with s the standard deviation over the
repetitions of what is averaged (0 when R = 1) and t the 97.5 % quantile of Student's t with R - 1 degrees of
freedom (s is itself estimated from R values):

- standard errors (and exact values): mean +- sqrt(max(t^2 s^2, 1.96^2 mean se^2) / R), the larger of two 95 %
  half-widths. The spread s^2 of the repetitions' estimates already holds each one's estimation error (their
  variance is the variance between networks plus the mean se^2), so t s / sqrt(R) is the error of the mean; where
  the repetitions agree more closely than their own errors allow (a chance of few repetitions, and always when
  R = 1) the errors they state set the floor, 1.96 sqrt(mean se^2 / R). Like the method-of-moments random-effects
  rule (DerSimonian & Laird, equal weights): between-network variance max(0, s^2 - mean se^2) plus mean se^2.
  The interval holds the networks' mean at about 95 % (``tests/plotter/test_error_bars.py`` simulates it).
- brackets: [mean low - t s_low / sqrt(R), mean high + t s_high / sqrt(R)]: the mean of the networks' values lies
  between the mean ends; each end is widened by its own 95 % error of the mean over repetitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

Z_95 = 1.959963984540054
QUANTITIES = ("MI_XM", "MI_YM")
STANDARD_ERROR, EXACT, KDE_BOUNDS, MILLER_MADOW = "standard error", "exact", "KDE bounds", "Miller-Madow"
#: Which side of the KDE bracket an estimator's rows are, by plug-in name.
KDE_SIDES = {"mi_estimator.upper": "upper", "mi_estimator.lower": "lower"}


def _held(measures: pd.DataFrame, column: str) -> bool:
    return column in measures and bool(np.isfinite(pd.to_numeric(measures[column], errors="coerce")).any())


def error_kind(measures: pd.DataFrame, quantity: str, estimator: str = "") -> str | None:
    """The kind of error the rows of one estimator state for ``quantity``, or None (see the module's list).
    ``estimator`` is the plug-in's name, which says the side of a KDE bracket."""
    if _held(measures, f"{quantity}_se"):
        return STANDARD_ERROR
    if "exact" in measures and len(measures) and measures["exact"].astype(str).str.lower().eq("true").all():
        return EXACT
    if _held(measures, f"{quantity}_kde_gap") and estimator in KDE_SIDES:
        return KDE_BOUNDS
    if _held(measures, f"{quantity}_miller_madow"):
        return MILLER_MADOW
    return None


def _bracket(measures: pd.DataFrame, quantity: str, kind: str, estimator: str) -> tuple[pd.Series, pd.Series]:
    value = measures[quantity].astype(float)
    if kind == KDE_BOUNDS:
        gap = measures[f"{quantity}_kde_gap"].astype(float)
        return (value - gap, value) if KDE_SIDES[estimator] == "upper" else (value, value + gap)
    corrected = measures[f"{quantity}_miller_madow"].astype(float)
    return np.minimum(value, corrected), np.maximum(value, corrected)


def mean_with_error_bars(measures: pd.DataFrame, estimator: str = "") -> pd.DataFrame:
    """Per (epoch, layer) every repetition reached: the mean of each quantity over the repetitions and its error
    bar's ends (``<quantity>_low``, ``<quantity>_high``, NaN where the rows state no error), the kind of error
    (``<quantity>_error``, empty where none) and the number of repetitions ``runs``, by the module's rules."""
    measures = measures.copy()
    kinds = {quantity: error_kind(measures, quantity, estimator) for quantity in QUANTITIES}
    for quantity, kind in kinds.items():
        if kind in (STANDARD_ERROR, EXACT):
            measures[f"_{quantity}_var"] = (measures[f"{quantity}_se"].astype(float) ** 2 if kind == STANDARD_ERROR
                                            else 0.0)
        elif kind is not None:
            measures[f"_{quantity}_low"], measures[f"_{quantity}_high"] = _bracket(measures, quantity, kind, estimator)
    n_runs = measures["run"].nunique()
    rows = []
    for (epoch, layer), group in measures.groupby(["epoch", "layer"], sort=True):
        if group["run"].nunique() != n_runs:
            continue
        repetitions = len(group)
        row = {"epoch": epoch, "layer": layer, "runs": repetitions}
        for quantity, kind in kinds.items():
            values = group[quantity].astype(float)
            mean = float(values.mean())
            row[quantity] = mean
            row[f"{quantity}_error"] = kind or ""
            if kind in (STANDARD_ERROR, EXACT):
                half = standard_error_half_width(values.to_numpy(), group[f"_{quantity}_var"].to_numpy())
                row[f"{quantity}_low"], row[f"{quantity}_high"] = mean - half, mean + half
            elif kind is not None:
                low, high = group[f"_{quantity}_low"], group[f"_{quantity}_high"]
                row[f"{quantity}_low"] = float(low.mean()) - _mean_error(low)
                row[f"{quantity}_high"] = float(high.mean()) + _mean_error(high)
            else:
                row[f"{quantity}_low"] = row[f"{quantity}_high"] = np.nan
        rows.append(row)
    columns = ["epoch", "layer", "runs"] + [f"{quantity}{part}" for quantity in QUANTITIES
                                            for part in ("", "_low", "_high", "_error")]
    return pd.DataFrame(rows, columns=columns)


def standard_error_half_width(estimates: np.ndarray, variances: np.ndarray) -> float:
    """Half-width of the 95 % interval of the mean of R ``estimates`` whose stated errors have ``variances`` (se^2):
    sqrt(max(t^2 s^2, 1.96^2 mean se^2) / R)."""
    repetitions = len(estimates)
    spread = student_t.ppf(0.975, repetitions - 1) ** 2 * np.var(estimates, ddof=1) if repetitions > 1 else 0.0
    return float(np.sqrt(max(spread, Z_95**2 * float(np.mean(variances))) / repetitions))


def _mean_error(values: pd.Series) -> float:
    """t standard errors of the mean of ``values`` over repetitions (0 for one)."""
    if len(values) < 2:
        return 0.0
    return float(student_t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))


KIND_WORDS = {STANDARD_ERROR: "+-1.96 standard errors", EXACT: "exact; +-1.96 standard errors of the mean over runs",
              KDE_BOUNDS: "between the KDE bounds", MILLER_MADOW: "from plug-in to Miller-Madow"}


def error_bar_description(table: pd.DataFrame) -> str:
    """What the bars of ``mean_with_error_bars``'s table are, for a legend: ``error bars: I(X;T) +-1.96 standard
    errors`` (one quantity), ``error bars: between the KDE bounds`` (both alike) or ``error bars: none stated by
    the estimator``."""
    names = {"MI_XM": "I(X;T)", "MI_YM": "I(T;Y)"}
    kinds = {}
    for quantity in QUANTITIES:
        stated = [kind for kind in table[f"{quantity}_error"].unique() if kind] if len(table) else []
        if stated:
            kinds[quantity] = stated[0]
    if not kinds:
        return "error bars: none stated by the estimator"
    if len(kinds) == 2 and len(set(kinds.values())) == 1:
        return f"error bars: {KIND_WORDS[kinds['MI_XM']]}"
    return "error bars: " + "; ".join(f"{names[quantity]} {KIND_WORDS[kind]}" for quantity, kind in kinds.items())


def error_bar_segments(table: pd.DataFrame) -> list:
    """Line segments of the bars of ``mean_with_error_bars``'s rows: a horizontal one per row whose I(X;T) states
    an error, then a vertical one per row whose I(T;Y) does."""
    horizontal = table.dropna(subset=["MI_XM_low"])[["MI_XM_low", "MI_XM_high", "MI_YM"]].to_numpy()
    vertical = table.dropna(subset=["MI_YM_low"])[["MI_XM", "MI_YM_low", "MI_YM_high"]].to_numpy()
    return ([((low, y), (high, y)) for low, high, y in horizontal]
            + [((x, low), (x, high)) for x, low, high in vertical])
