"""Estimators on layers of known mutual information (``testing.validation_cases``): one table row per (case, estimator).

The command line is ``python -m deep_bottleneck.cli.validate_estimators``.

Prints one table row per (case, estimator): estimate, truth and error of I(X;T) and I(T;Y), and the seconds
the estimate took. Each estimator reads each case at the case's resolution: binning and EDGE with the case's bin
width, the KDE bounds and KSG with its noise variance, the autoregressive models with their defaults (32 bins).
On the noisy-mixture cases the truth is I(X; T+Z) of the KDE bounds' own model, which the lower and upper bound
must bracket (within two standard errors of the Monte Carlo truth); the command exits with status 1 if they do
not. The I(T;Y) of the bounds is not a bound and is not checked.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Iterator

from deep_bottleneck import plugins
from deep_bottleneck.mi_estimator.base import estimate
from deep_bottleneck.testing.validation_cases import Case

BIN_WIDTH_ESTIMATORS = ("mi_estimator.binning", "mi_estimator.edge")
NOISE_ESTIMATORS = ("mi_estimator.upper", "mi_estimator.lower", "mi_estimator.ksg")
BRACKETING = {"mi_estimator.lower": "lower", "mi_estimator.upper": "upper"}


def arguments_for(name: str, case: Case) -> dict[str, Any]:
    """The estimator's arguments on ``case``: its resolution as ``discretization_range`` where it has one."""
    if name in BIN_WIDTH_ESTIMATORS:
        return {"discretization_range": case.bin_width}
    if name in NOISE_ESTIMATORS:
        return {"discretization_range": case.noise_variance}
    return {}


COLUMNS = ["case", "N", "estimator", "I(X;T)", "true I(X;T)", "error I(X;T)", "I(T;Y)", "true I(T;Y)",
           "error I(T;Y)", "truth +-", "seconds", "bracket", "warnings"]


def validate(names: list[str], cases: list[Case]) -> Iterator[dict[str, Any]]:
    """One row (of ``COLUMNS``) per (case, estimator) with estimates, truths, errors and seconds, as computed."""
    for case in cases:
        for name in names:
            estimator = plugins.load_plugin("estimator", name, **arguments_for(name, case))
            started = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                mi_xt, mi_ty = estimate(estimator, case.activations, case.labels)
            yield {
                "case": case.name, "N": len(case.labels), "estimator": name.rsplit(".", 1)[-1],
                "I(X;T)": mi_xt, "true I(X;T)": case.mi_xt,
                "error I(X;T)": None if case.mi_xt is None else mi_xt - case.mi_xt,
                "I(T;Y)": mi_ty, "true I(T;Y)": case.mi_ty, "error I(T;Y)": mi_ty - case.mi_ty,
                "truth +-": case.truth_error, "seconds": time.perf_counter() - started,
                "bracket": bracket_check(name, case, mi_xt), "warnings": len(caught),
            }


def bracket_check(name: str, case: Case, mi_xt: float) -> str:
    """``ok``/``FAILS`` for a KDE bound on a noisy-mixture case (lower <= truth <= upper), else ``""``."""
    if not case.noisy or name not in BRACKETING:
        return ""
    slack = 2 * case.truth_error
    holds = mi_xt <= case.mi_xt + slack if BRACKETING[name] == "lower" else mi_xt >= case.mi_xt - slack
    return "ok" if holds else "FAILS"


def markdown_header() -> str:
    return "| " + " | ".join(COLUMNS) + " |\n| " + " | ".join("---" for _ in COLUMNS) + " |\n"


def markdown_row(row: dict[str, Any]) -> str:
    """One table row, numbers to 3 decimals (errors signed, seconds to 2)."""
    def cell(column: str, value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.2f}" if column == "seconds" else f"{value:+.3f}" if column.startswith("error") \
                else f"{value:.3f}"
        return str(value)

    return "| " + " | ".join(cell(column, row[column]) for column in COLUMNS) + " |\n"
