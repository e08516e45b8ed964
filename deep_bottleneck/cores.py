"""How many cores an experiment may use: the machine's (those this process may run on), or the share a runner
gives it when it runs several experiments at once.

A runner that starts ``k`` experiments side by side on ``c`` cores sets ``CORES_VARIABLE`` to ``c // k`` (at least
1) in each one's environment (``share_for``), so that their default worker processes (``parallel_runs`` null) add up
to the cores instead of ``k`` times them: on a small machine, starting more processes than cores costs each
experiment its start-up and compilation again for no gain.
"""

from __future__ import annotations

import os

#: The environment variable holding the cores an experiment may use (a whole number >= 1).
CORES_VARIABLE = "DEEP_BOTTLENECK_CORES"


def machine_cores() -> int:
    """Cores this process may run on (its CPU affinity, where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def available_cores() -> int:
    """Cores this experiment may use: ``CORES_VARIABLE`` where it is set to a whole number >= 1 (at most
    ``machine_cores()``), else ``machine_cores()``."""
    cores = machine_cores()
    given = os.environ.get(CORES_VARIABLE, "").strip()
    return min(cores, int(given)) if given.isdigit() and int(given) >= 1 else cores


def share_for(side_by_side: int) -> int:
    """The cores each of ``side_by_side`` experiments run at once may use: an equal share of ``available_cores()``,
    at least 1."""
    return max(1, available_cores() // max(1, side_by_side))
