"""Every registered estimator on layers of known mutual information: the table of
``testing.estimator_validation``, printed row by row.

    python -m deep_bottleneck.cli.validate_estimators [--quick] [--estimators NAME ...] [--markdown FILE]
                                                      [--beyond-normal] [--seeds K] [--coverage] [--jobs N]

The (case, estimator) pairs are estimated in ``--jobs`` worker processes (default: one per core).

Exits with status 1 if a KDE bound fails to bracket the truth of a noisy-mixture case.

``--beyond-normal`` adds the tasks of Czyz et al.'s benchmark (``testing.beyond_normal``): a table of the
benchmark's baselines (CCA, KSG with k = 5, a 5-bin histogram) on its continuous tasks, N = 5000 (2000 with
``--quick``) over ``--seeds`` seeds (3), with the mean absolute error per task set; and its mixed discrete-continuous
tasks as cases for every estimator.

The table ends with the coverage of the stated errors of the chosen estimators that state one (Goldfeld's
Monte-Carlo errors, KSG's errors with ``error_bars``): how often 95 % intervals hold the truth of known-MI cases
over 100 seeds at N = 1000 (20 seeds at N = 500 with ``--quick``; ``testing.coverage``). ``--coverage`` is
accepted from earlier versions, in which the coverage was not part of the suite.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from deep_bottleneck import plugins
from deep_bottleneck.cores import machine_cores
from deep_bottleneck.testing.estimator_validation import (baseline_table, coverage_table, markdown_header,
                                                          markdown_row, validate, worker_pool)
from deep_bottleneck.testing import beyond_normal
from deep_bottleneck.testing.coverage import coverage_checks, coverage_rows
from deep_bottleneck.testing.validation_cases import all_cases

#: Seeds and rows of the coverage checks in the full suite and with ``--quick``.
FULL_COVERAGE = (100, 1000)
QUICK_COVERAGE = (20, 500)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--estimators", nargs="+", metavar="NAME", default=None,
                        help="estimator plug-ins (default: every registered one)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer cases (the Gaussian classes up to d = 20), rows and Monte Carlo samples")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--beyond-normal", action="store_true",
                        help="also the Beyond-normal benchmark's tasks (baselines table, mixed tasks)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per Beyond-normal task (default 3)")
    parser.add_argument("--coverage", action="store_true",
                        help="accepted from earlier versions: the coverage of the stated errors is always computed")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: one per core)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    names = args.estimators or plugins.available("estimator")
    for name in names:
        try:
            plugins.load_module("estimator", name)
        except plugins.PluginError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    text = markdown_header()
    print(text, end="", flush=True)
    failed = []
    cases = all_cases(quick=args.quick)
    if args.beyond_normal:
        cases += beyond_normal.mixed_cases(2000 if args.quick else 5000)
    jobs = args.jobs or machine_cores()
    checks = coverage_checks(names)
    seeds, rows = QUICK_COVERAGE if args.quick else FULL_COVERAGE
    with worker_pool(jobs) if jobs > 1 else contextlib.nullcontext() as pool:
        table_rows = validate(names, cases, jobs, pool)
        # Handed to the pool after the table's pairs, so that both cores stay busy to the end.
        coverage = coverage_rows(seeds, rows, jobs, checks, pool) if checks else iter(())
        for row in table_rows:
            text += markdown_row(row)
            print(markdown_row(row), end="", flush=True)
            if row["bracket"] == "FAILS":
                failed.append(row)
        if args.beyond_normal:
            baselines = list(beyond_normal.baseline_rows(2000 if args.quick else 5000, tuple(range(args.seeds)),
                                                         quick=args.quick))
            text += "\n" + baseline_table(baselines)
            print("\n" + baseline_table(baselines), end="", flush=True)
        if checks:
            table = coverage_table(list(coverage))
            text += "\n" + table
            print("\n" + table, end="", flush=True)
    if args.markdown:
        args.markdown.write_text(text)
    for row in failed:
        print(f"error: the {row['estimator']} bound does not bracket I(X;T) = {row['true I(X;T)']:.3f} on "
              f"{row['case']!r} (estimate {row['I(X;T)']:.3f})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
