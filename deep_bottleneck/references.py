"""The configuration and plug-in references, generated as Markdown from the code, so neither can drift from it.

The configuration reference is ``config.key_reference``: each key's check, default, allowed values and meaning.
The plug-in reference reads every built-in plug-in (``plugins.available``): its module's docstring and its
``load``'s parameters, with their type hints, defaults and the descriptions of the docstring's ``Args:`` section
(``load``'s own, else those of the class ``load`` returns). The documentation's build writes both pages
(``docs/_ext/generated_references.py``); README's configuration table is ``readme_config_table``.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

from deep_bottleneck import config, plugins

#: Parameters of a callback's ``load`` that the pipeline fills in (``plugins.with_run_index``), and what it gives.
CALLBACK_FACTS = {
    "run": "the repetition's index",
    "run_dir": "the run folder",
    "projector_folder": "the repetition's projector folder in the run folder",
    "information_stopping_file": "the repetition's `information_stopping/run_<k>.csv` in the run folder",
    "mi_split": "the rows MI is estimated on (`calculate_mi_for`), a `DataSplit`",
    "estimator": "the run's first configured estimator",
}
#: Parameters of a model's ``load`` that the experiment fills in (``config.model_arguments``), and from what.
MODEL_FACTS = {**{key: f"config key `{key}`" for key in config.MODEL_SETTINGS},
               "input_size": "the data set's number of inputs", "output_size": "the data set's number of classes"}
#: Where a plug-in kind's arguments are written in a config.
ARGUMENT_KEYS = {
    "dataset": "`dataset_args`",
    "model": "`model_args`",
    "estimator": "`estimator_args` (with `discretization_range`), or `[name, {arguments}]` in `estimators`",
    "callback": "`[name, {arguments}]` in `callbacks`",
    "plotter": "`[name, {arguments}]` in `plotters`",
}
UNDOCUMENTED = "(not documented)"


@dataclass(frozen=True)
class ArgumentReference:
    """One parameter of a plug-in's ``load``.

    Attributes:
        name: The parameter's name.
        type: Its type hint as written (empty without one).
        default: Its default as JSON, or empty for a required parameter.
        meaning: Its description from the docstrings, or ``UNDOCUMENTED``.
        given_by: What fills it in when the framework does (the experiment or the pipeline), else empty.
    """

    name: str
    type: str
    default: str
    meaning: str
    given_by: str


def docstring_arguments(docstring: str | None) -> dict[str, str]:
    """The descriptions of a Google-style docstring's ``Args:`` section, by parameter name (continuation lines
    joined with spaces)."""
    arguments: dict[str, str] = {}
    lines = inspect.cleandoc(docstring or "").splitlines()
    inside, current, indent = False, None, None
    for line in lines:
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            inside, current, indent = True, None, None
            continue
        if not inside:
            continue
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0:
            inside = False
            continue
        match = re.match(r"\s*\**(\w+)(?: \(.*?\))?:\s*(.*)", line)
        if match and (indent is None or depth == indent):
            indent, current = depth, match.group(1)
            arguments[current] = match.group(2).strip()
        elif current is not None:
            arguments[current] = f"{arguments[current]} {line.strip()}".strip()
    return arguments


def _returned_class(load: Callable) -> type | None:
    try:
        returned = typing.get_type_hints(load).get("return")
    except Exception:  # hints naming what cannot be imported here: no class to read
        return None
    return returned if inspect.isclass(returned) else None


def _argument_descriptions(load: Callable) -> dict[str, str]:
    """``load``'s own ``Args:``, completed by the returned class's; the class's parameter described as "the config's
    ``discretization_range``" describes ``load``'s ``discretization_range``."""
    described = docstring_arguments(inspect.getdoc(load))
    returned = _returned_class(load)
    if returned is not None:
        of_class = {**docstring_arguments(inspect.getdoc(returned)),
                    **docstring_arguments(inspect.getdoc(returned.__init__))}
        for name, text in of_class.items():
            target = "discretization_range" if "``discretization_range``" in text else name
            described.setdefault(target, text)
    summary = inspect.getdoc(load) or ""
    if "discretization_range" not in described and "``discretization_range``" in summary:
        described["discretization_range"] = _first_paragraph(summary)
    return described


def _type_text(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    if isinstance(annotation, str):
        return annotation
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def _default_text(default: Any) -> str:
    if default is inspect.Parameter.empty:
        return ""
    try:
        return json.dumps(default)
    except TypeError:
        return repr(default)


def plugin_arguments(kind: str, name: str) -> list[ArgumentReference]:
    """Every parameter of the plug-in's ``load``, in order."""
    load = plugins.load_module(kind, name).load
    described = _argument_descriptions(load)
    filled = {"callback": CALLBACK_FACTS, "model": MODEL_FACTS}.get(kind, {})
    return [ArgumentReference(parameter.name, _type_text(parameter.annotation), _default_text(parameter.default),
                              described.get(parameter.name, UNDOCUMENTED), filled.get(parameter.name, ""))
            for parameter in inspect.signature(load).parameters.values()]


def _first_paragraph(text: str | None) -> str:
    return " ".join(inspect.cleandoc(text or "").split("\n\n")[0].split())


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _module_description(module: ModuleType) -> str:
    """The module's docstring as Markdown: reStructuredText's double backquotes made single."""
    return inspect.cleandoc(module.__doc__ or UNDOCUMENTED).replace("``", "`").replace("::\n", ":\n")


def plugin_reference_markdown() -> str:
    """The plug-in reference page: every built-in plug-in of every kind with its ``load``'s arguments."""
    lines = ["# Plug-in reference", "",
             "Generated from the plug-ins themselves when the documentation is built "
             "(`deep_bottleneck.references.plugin_reference_markdown`): each built-in plug-in's module docstring "
             "and its `load`'s parameters with their type hints, defaults and the descriptions of the docstrings. "
             "Arguments marked *given by* are filled in by the framework; the others are yours to set.", ""]
    for kind, folder in plugins.KINDS.items():
        lines += [f"## {kind.capitalize()}s", "",
                  f"Built-in {kind} plug-ins live in `deep_bottleneck/{folder}/`; their arguments go in "
                  f"{ARGUMENT_KEYS[kind]}.", ""]
        for name in plugins.available(kind):
            module = plugins.load_module(kind, name)
            lines += [f"### `{name}`", "", _module_description(module), ""]
            arguments = plugin_arguments(kind, name)
            if not arguments:
                lines += ["`load()` takes no arguments.", ""]
                continue
            lines += ["| argument | type | default | meaning |", "| --- | --- | --- | --- |"]
            for argument in arguments:
                meaning = argument.meaning + (f" (*given by* {argument.given_by})" if argument.given_by else "")
                lines.append(f"| `{argument.name}` | {_cell(_code(argument.type))} | "
                             f"{_cell(_code(argument.default)) or 'required'} | {_cell(meaning.replace('``', '`'))} |")
            lines.append("")
    return "\n".join(lines)


def _value_text(value: Any) -> str:
    return f"`{json.dumps(value)}`"


def config_reference_markdown() -> str:
    """The configuration reference page: every key ``config.validate_config`` checks, a section each (its meaning,
    what it accepts, its default and its allowed values), after a summary table."""
    entries = config.key_reference()
    lines = ["# Configuration reference", "",
             "Generated from the code that checks configs (`deep_bottleneck.config`: `KEY_CHECKS`, "
             "`KEY_DESCRIPTIONS`, `default_config`) when the documentation is built. Every key may be set in a "
             "config file or on the command line (`experiment.py with key=value`); a key left out takes its "
             "default, and an unknown key, a value of the wrong type or one not allowed stops the run before any "
             "training with one line naming the key and the closest valid value. The arguments of the plug-ins "
             "(`model_args`, `dataset_args`, `estimator_args` and the arguments in `estimators`, `callbacks` and "
             "`plotters`) are in the [plug-in reference](plugins.md).", "",
             "| key | type | meaning |", "| --- | --- | --- |"]
    lines += [f"| [`{entry.key}`](#{entry.key.replace('_', '-')}) | {_cell(entry.accepts)} | "
              f"{_cell(_first_clause(entry.meaning))} |" for entry in entries]
    for entry in entries:
        sentence = entry.meaning[0].upper() + entry.meaning[1:] + ("" if entry.meaning.endswith(".") else ".")
        lines += ["", f"## `{entry.key}`", "", sentence, "",
                  f"- type: {entry.accepts}", f"- default: {_value_text(entry.default)}"]
        if entry.allowed:
            lines.append("- allowed values: " + ", ".join(f"`{value}`" for value in entry.allowed))
    deprecated = "; ".join(f"`{key}`: {why}" for key, why in config.DEPRECATED_KEYS.items())
    lines += ["", "## Ignored keys", "", f"Keys ignored with a warning: {deprecated}.", ""]
    return "\n".join(lines)


def _first_clause(text: str) -> str:
    """A meaning up to its first semicolon or parenthesis: the summary table's short form."""
    return re.split(r";| \(|, e\.g\.", text, maxsplit=1)[0]


def readme_config_table() -> str:
    """README's configuration table: key, meaning and default of every key, the allowed values where listed."""
    lines = ["| key | meaning | default |", "| --- | --- | --- |"]
    for entry in config.key_reference():
        allowed = ", ".join(f"`{value}`" for value in entry.allowed)
        meaning = f"{entry.meaning}: {allowed}" if allowed else entry.meaning
        lines.append(f"| `{entry.key}` | {_cell(meaning)} | {_cell(_value_text(entry.default))} |")
    return "\n".join(lines)
