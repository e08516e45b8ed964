"""Estimators on layers of known mutual information (``testing.validation_cases``): one table row per (case, estimator).

The command line is ``python -m deep_bottleneck.cli.validate_estimators``.

Prints one table row per (case, estimator): estimate, truth and error of I(X;T) and I(T;Y), and the seconds
the estimate took. The (case, estimator) pairs can be estimated in worker processes, each estimate as it is
alone; rows come in the table's order.

Each estimator reads each case at the case's resolution: binning and EDGE with the case's bin width, the KDE bounds and KSG with its noise variance, the autoregressive models with their defaults (32 bins).
On the noisy-mixture cases the truth is I(X; T+Z) of the KDE bounds' own model, which the lower and upper bound
must bracket (within two standard errors of the Monte Carlo truth); the command exits with status 1 if they do
not. The I(T;Y) of the bounds is not a bound and is not checked.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, Iterator

from deep_bottleneck import plugins
from deep_bottleneck.mi_estimator.base import estimate
from deep_bottleneck.testing.validation_cases import Case

BIN_WIDTH_ESTIMATORS = ("mi_estimator.binning", "mi_estimator.edge")
NOISE_ESTIMATORS = ("mi_estimator.upper", "mi_estimator.lower", "mi_estimator.ksg", "mi_estimator.goldfeld")
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


def validate_one(name: str, case: Case) -> dict[str, Any]:
    """The row (of ``COLUMNS``) of one estimator on one case."""
    estimator = plugins.load_plugin("estimator", name, **arguments_for(name, case))
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mi_xt, mi_ty = estimate(estimator, case.activations, case.labels)
    return {
        "case": case.name, "N": len(case.labels), "estimator": name.rsplit(".", 1)[-1],
        "I(X;T)": mi_xt, "true I(X;T)": case.mi_xt,
        "error I(X;T)": None if case.mi_xt is None else mi_xt - case.mi_xt,
        "I(T;Y)": mi_ty, "true I(T;Y)": case.mi_ty, "error I(T;Y)": mi_ty - case.mi_ty,
        "truth +-": case.truth_error, "seconds": time.perf_counter() - started,
        "bracket": bracket_check(name, case, mi_xt), "warnings": len(caught),
    }


def _single_threaded_worker() -> None:
    """Each worker is one core's worth of work: XLA computes each operation on one thread."""
    flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """``jobs`` worker processes, each computing on one core, for ``validate`` and ``testing.coverage``."""
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_single_threaded_worker)


def validate(names: list[str], cases: list[Case], jobs: int = 1,
             pool: Executor | None = None) -> Iterator[dict[str, Any]]:
    """One row (of ``COLUMNS``) per (case, estimator), in that order, each yielded once it and those before it
    are done; ``jobs`` worker processes estimate the pairs (1: in this process). Given a ``pool``, the pairs are
    handed to it at once (so that work submitted later runs after them) and ``jobs`` is not read."""
    pairs = [(name, case) for case in cases for name in names]
    if pool is not None:
        futures = [pool.submit(validate_one, name, case) for name, case in pairs]
        return (future.result() for future in futures)
    return _validate(pairs, jobs)


def _validate(pairs: list[tuple[str, Case]], jobs: int) -> Iterator[dict[str, Any]]:
    if jobs == 1:
        yield from (validate_one(name, case) for name, case in pairs)
        return
    with worker_pool(jobs) as pool:
        futures = [pool.submit(validate_one, name, case) for name, case in pairs]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


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


BASELINE_COLUMNS = ["task", "set", "N", "estimator", "truth", "estimate", "mean |error|", "seconds"]


def baseline_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per (task, baseline) in nats (``testing.beyond_normal.baseline_rows``), then the mean
    absolute error per (task set, baseline)."""
    lines = ["| " + " | ".join(BASELINE_COLUMNS) + " |", "| " + " | ".join("---" for _ in BASELINE_COLUMNS) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                                       for c in BASELINE_COLUMNS) + " |")
    lines += ["", "| set | estimator | tasks | mean absolute error (nats) |", "| --- | --- | --- | --- |"]
    groups: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        groups.setdefault((row["set"], row["estimator"]), []).append(row["mean |error|"])
        groups.setdefault(("all", row["estimator"]), []).append(row["mean |error|"])
    for (family, name), errors in groups.items():
        lines.append(f"| {family} | {name} | {len(errors)} | {sum(errors) / len(errors):.3f} |")
    return "\n".join(lines) + "\n"


COVERAGE_COLUMNS = ["estimator", "quantity", "case", "seeds", "N", "truth (bits)", "stated", "covered", "mean z",
                    "sd of z"]


def coverage_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: per (estimator, quantity) the stated and the observed coverage of the truth
    (``testing.coverage.coverage_rows``)."""
    lines = ["| " + " | ".join(COVERAGE_COLUMNS) + " |", "| " + " | ".join("---" for _ in COVERAGE_COLUMNS) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                                       for c in COVERAGE_COLUMNS) + " |")
    return "\n".join(lines) + "\n"
