"""One spelling for each option across the commands: documented with underscores (``--mongo_url``, as Sacred's
own options are), accepted with hyphens too (``--mongo-url``)."""

from __future__ import annotations

from typing import Iterable


def documented_spelling(argument: str, options: Iterable[str]) -> str:
    """``argument`` (``--mongo-url`` or ``--mongo-url=URL``) with its option in the documented spelling when it is
    one of ``options`` (given as documented, ``--mongo_url``); any other argument unchanged."""
    flag, has_value, value = argument.partition("=")
    if not flag.startswith("--"):
        return argument
    documented = "--" + flag[2:].replace("-", "_")
    if documented not in set(options):
        return argument
    return documented + (f"={value}" if has_value else "")


def with_documented_spellings(argv: list[str], options: Iterable[str], stop_at: str | None = None) -> list[str]:
    """``argv`` with every option of ``options`` in its documented spelling, up to ``stop_at`` (e.g. ``with``,
    after which come config updates, not options) or ``--``."""
    options = list(options)
    result = []
    for index, argument in enumerate(argv):
        if argument == "--" or (stop_at is not None and argument == stop_at):
            return result + list(argv[index:])
        result.append(documented_spelling(argument, options))
    return result
