"""Load plug-ins (datasets, models, estimators, callbacks, plotters) by name.

A plug-in is a module exposing ``load(...)``. It is named either relative to the package
(``datasets.harmonics`` -> ``deep_bottleneck.datasets.harmonics``) or by the full import path
of a user's own module (``my_project.my_dataset``). Nothing else is imported.
"""

from __future__ import annotations

import collections.abc
import importlib
import importlib.util
import inspect
import numbers
import pkgutil
import types
import typing
from types import ModuleType
from typing import Any, Callable

from deep_bottleneck.errors import PluginError, closest_match_hint

PACKAGE = "deep_bottleneck"

#: Plug-in kinds and the sub-package that holds the built-in ones.
KINDS = {
    "dataset": "datasets",
    "model": "models",
    "estimator": "mi_estimator",
    "callback": "callbacks",
    "plotter": "plotter",
}




#: The module of each plug-in folder that holds its kind's contract rather than a plug-in.
CONTRACT_MODULE = "base"


def available(kind: str) -> list[str]:
    """List the built-in plug-ins of a kind, as config names (``datasets.harmonics``): every module of its folder
    but the contract (``base``) and private helpers (names starting with ``_``)."""
    subpackage = KINDS[kind]
    package = importlib.import_module(f"{PACKAGE}.{subpackage}")
    return sorted(
        f"{subpackage}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_") and info.name != CONTRACT_MODULE
    )


def _module_path(kind: str, name: str) -> str:
    if name.startswith(KINDS[kind] + "."):
        return f"{PACKAGE}.{name}"
    return name


def _find(module_path: str) -> bool:
    try:
        return importlib.util.find_spec(module_path) is not None
    except (ModuleNotFoundError, ValueError):
        return False


def load_module(kind: str, name: str) -> ModuleType:
    """Import the plug-in module ``name`` of the given kind and check it has ``load``.

    Raises:
        PluginError: The plug-in does not exist (with close matches), failed to import
            (the cause is chained), or has no callable ``load``.
    """
    if kind not in KINDS:
        raise PluginError(f"Unknown plug-in kind {kind!r}.{closest_match_hint(kind, KINDS)}")
    if not isinstance(name, str) or not name:
        raise PluginError(f"The {kind} plug-in name must be a non-empty string, got {name!r}.")
    module_path = _module_path(kind, name)
    if module_path.startswith(f"{PACKAGE}.") and name not in available(kind):
        module_path = ""  # the contract or a private helper of a plug-in folder: not a plug-in
    if not module_path or not _find(module_path):
        raise PluginError(
            f"No {kind} plug-in named {name!r}.{closest_match_hint(name, available(kind))} "
            f"Built-in {kind} plug-ins: {', '.join(available(kind))}; "
            f"or give the full import path of your own module."
        )
    try:
        module = importlib.import_module(module_path)
    except Exception as exc:
        raise PluginError(
            f"The {kind} plug-in {name!r} exists but failed to import: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not callable(getattr(module, "load", None)):
        raise PluginError(
            f"The {kind} plug-in {name!r} ({module.__file__}) has no function 'load(...)'; "
            f"every plug-in module must define one."
        )
    return module


def check_arguments(kind: str, name: str, load: Callable[..., Any], kwargs: dict) -> None:
    """Check that ``load`` accepts ``kwargs`` before anything is built.

    Raises:
        PluginError: Naming the parameters that are missing or not accepted.
    """
    signature = inspect.signature(load)
    try:
        signature.bind(**kwargs)
    except TypeError as exc:
        accepted = ", ".join(signature.parameters) or "none"
        hints = "".join(
            closest_match_hint(argument, signature.parameters)
            for argument in kwargs if argument not in signature.parameters
        )
        raise PluginError(
            f"The {kind} plug-in {name!r} cannot be loaded with {sorted(kwargs)}: {exc}.{hints} "
            f"It accepts: {accepted}."
        ) from None


def _matches(value: Any, annotation: Any) -> bool:
    """Whether ``value`` (as read from JSON) fits a type annotation; annotations it cannot judge fit."""
    origin, parameters = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, option) for option in parameters)
    if annotation is type(None) or annotation is None:
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation in (dict, collections.abc.Mapping) or origin in (dict, collections.abc.Mapping):
        return isinstance(value, dict)
    sequence_types = (list, tuple, collections.abc.Sequence)
    if annotation in sequence_types or origin in sequence_types:
        if not isinstance(value, (list, tuple)):
            return False
        if origin is tuple and parameters and parameters[-1] is not Ellipsis:
            return len(value) == len(parameters) and all(map(_matches, value, parameters))
        return not parameters or all(_matches(item, parameters[0]) for item in value)
    return True


def _type_name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def check_argument_types(kind: str, name: str, load: Callable[..., Any], kwargs: dict) -> None:
    """Check each argument against the type hint of its parameter in ``load`` (where it has one).

    Raises:
        PluginError: Naming the argument, the expected type and the value given.
    """
    try:
        hints = typing.get_type_hints(load)
    except Exception:  # a user's plug-in with hints that cannot be resolved is not judged
        return
    for argument, value in kwargs.items():
        if argument in hints and not _matches(value, hints[argument]):
            raise PluginError(
                f"Argument {argument!r} of the {kind} plug-in {name!r} must be {_type_name(hints[argument])}, "
                f"got {value!r}."
            )


def build(kind: str, name: str, load: Callable[..., Any], kwargs: dict) -> Any:
    """Call ``load(**kwargs)``, turning the ``ValueError`` or ``TypeError`` of a rejected value into
    a ``PluginError`` that names the plug-in."""
    try:
        return load(**kwargs)
    except (ValueError, TypeError) as exc:
        raise PluginError(f"The {kind} plug-in {name!r} rejected its arguments {kwargs}: {exc}") from exc


def load_plugin(kind: str, name: str, **kwargs: Any) -> Any:
    """Import a plug-in and call its ``load(**kwargs)``.

    Args:
        kind: One of ``KINDS``.
        name: Config name of the plug-in.
        **kwargs: Arguments for its ``load``.

    Returns:
        Whatever the plug-in's ``load`` returns.

    Raises:
        PluginError: The plug-in cannot be imported, does not accept ``kwargs`` or rejected their values.
    """
    module = load_module(kind, name)
    check_arguments(kind, name, module.load, kwargs)
    return build(kind, name, module.load, kwargs)


def with_run_index(kind: str, name: str, arguments: dict, run: int, facts: dict | None = None) -> dict:
    """``arguments`` plus ``run`` when the plug-in's ``load`` has a ``run`` parameter they leave out: the
    pipeline tells each callback which repetition it is built for. Likewise each of ``facts`` (the pipeline
    gives callbacks ``run_dir``, the run folder; ``projector_folder`` and ``information_stopping_file``, the
    repetition's paths for those callbacks in it; ``mi_split``, the rows MI is estimated on; ``estimator``, the
    first configured estimator) that ``load`` has a parameter for."""
    accepted = accepted_arguments(kind, name)
    offered = {"run": run, **(facts or {})}
    return {**{key: value for key, value in offered.items() if key in accepted and key not in arguments},
            **arguments}


def accepted_arguments(kind: str, name: str) -> set[str]:
    """Names of the parameters the plug-in's ``load`` accepts."""
    return set(inspect.signature(load_module(kind, name).load).parameters)
