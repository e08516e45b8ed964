"""Every registered estimator on layers of known mutual information: the table of
``testing.estimator_validation``, printed row by row.

    python -m deep_bottleneck.cli.validate_estimators [--quick] [--estimators NAME ...] [--markdown FILE]

Exits with status 1 if a KDE bound fails to bracket the truth of a noisy-mixture case.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deep_bottleneck import plugins
from deep_bottleneck.testing.estimator_validation import markdown_header, markdown_row, validate
from deep_bottleneck.testing.validation_cases import all_cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--estimators", nargs="+", metavar="NAME", default=None,
                        help="estimator plug-ins (default: every registered one)")
    parser.add_argument("--quick", action="store_true", help="fewer rows and Monte Carlo samples")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    args = parser.parse_args(argv)
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
    for row in validate(names, all_cases(quick=args.quick)):
        text += markdown_row(row)
        print(markdown_row(row), end="", flush=True)
        if row["bracket"] == "FAILS":
            failed.append(row)
    if args.markdown:
        args.markdown.write_text(text)
    for row in failed:
        print(f"error: the {row['estimator']} bound does not bracket I(X;T) = {row['true I(X;T)']:.3f} on "
              f"{row['case']!r} (estimate {row['I(X;T)']:.3f})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
