"""Processes of a test's subprocess tree, read from /proc (Linux)."""

import time
from pathlib import Path


def _parent_and_state(pid: int) -> tuple[int, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[1]), fields[0]


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _parent_and_state(int(entry.name))
            if found is not None and found[1] != "Z":
                parents[int(entry.name)] = found[0]
    below, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return below


def alive(pids: set[int]) -> set[int]:
    """The processes of ``pids`` still running (zombies count as ended)."""
    return {pid for pid in pids if (found := _parent_and_state(pid)) is not None and found[1] != "Z"}


def wait_until_ended(pids: set[int], seconds: float) -> set[int]:
    """Poll until every process of ``pids`` has ended or ``seconds`` passed; those still running."""
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)
