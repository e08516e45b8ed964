"""Running a Sacred experiment's command line: SIGTERM and Ctrl-C end the run as interrupted, in one line, and
docopt's usage errors become one line."""

from __future__ import annotations

import re
import sys
from typing import Any

from deep_bottleneck.stop_request import INTERRUPTED_STATUS, install_handlers


def usage_error(docopt_message: str) -> str:
    """One line from docopt's usage error (which it hands over as the exit code, with Sacred's usage text)."""
    unknown = re.findall(r"Option\((?:'(-\w)'|None), (?:'(--[\w-]+)'|None)", docopt_message)
    if unknown:
        return f"Unknown option {' '.join(short or long for short, long in unknown)}."
    stray = re.findall(r"Argument\(None, '([^']*)'\)", docopt_message)
    if stray:
        return f"Unexpected argument {' '.join(map(repr, stray))}: config updates and files follow 'with'."
    first_line = docopt_message.strip().splitlines()[0] if docopt_message.strip() else "bad command line"
    return first_line.replace("dummy", "experiment.py") + ("" if first_line.endswith(".") else ".")


def run_command_line(experiment: Any, sacred_argv: list[str]) -> int:
    """Run the Sacred experiment's command line: SIGTERM and Ctrl-C end it as an interrupted run, in one line;
    return the exit status."""
    install_handlers()
    # Workers killed on an interrupt leave their queues' semaphores to multiprocessing's resource tracker, which
    # removes them and says so in a warning; the tracker process takes its warning options from this list.
    sys.warnoptions.append("ignore::UserWarning:multiprocessing.resource_tracker")
    try:
        run = experiment.run_commandline(sacred_argv)
    except KeyboardInterrupt as exc:
        run = experiment.current_run
        stored = "no run."
        if run is not None and run._id is not None:
            stored = f"run {run._id} stored as {run.status}; continue it with 'python experiment.py resume {run._id}'."
        print(f"interrupted ({str(exc) or 'Ctrl-C'}): {stored}", file=sys.stderr)
        return INTERRUPTED_STATUS
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0
        print(f"error: {usage_error(str(exit_.code))} See experiment.py --help.", file=sys.stderr)
        return 1
    if run is None:
        return 1
    return 0 if run.status == "COMPLETED" else 1
