"""Experiment configuration: defaults and validation before anything is trained.

``validate_config`` turns a config into the exact settings the pipeline uses, or raises one
``ConfigError`` that names the key, says what was expected and suggests the closest valid name.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import numbers
import re
import warnings
from dataclasses import dataclass
from importlib import resources
from types import ModuleType
from typing import Any, Callable, Sequence

from deep_bottleneck import plugins
from deep_bottleneck.errors import ConfigError, ConfigWarning, PluginError, closest_match_hint
from deep_bottleneck.snapshot_schedule import SCHEDULES

MI_SPLITS = ("training", "test", "full_dataset")
#: Values of ``repetition_metrics``: which epochs' metrics of each repetition are stored.
REPETITION_METRICS = ("every_epoch", "snapshot_epochs")
DEPRECATED_KEYS = {"regularization": "it was never used by the original framework either"}
#: Keys whose value is an object of a plug-in's arguments, checked by the plug-in, not key by key here.
FREE_FORM_KEYS = ("estimator_args", "dataset_args", "model_args")


def default_config() -> dict[str, Any]:
    """The defaults (also shipped as ``configs/basic.json``)."""
    text = resources.files("deep_bottleneck").joinpath("default_config.json").read_text()
    return json.loads(text)


def _accepting(text: str) -> Callable[[Callable], Callable]:
    """Name, in words, what a key check accepts (its ``accepts`` attribute, read by ``key_reference``)."""
    def mark(check: Callable) -> Callable:
        check.accepts = text
        return check
    return mark


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """A finite real number (``inf`` and ``nan``, as ``1e400`` becomes, are not numbers a config can use)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


@_accepting("integer >= 1")
def _positive_int(key: str, value: Any) -> int:
    if not _is_int(value) or value < 1:
        raise ConfigError(f"Config key {key!r} must be a positive integer, got {value!r}.")
    return int(value)


@_accepting("integer")
def _integer(key: str, value: Any) -> int:
    if not _is_int(value):
        raise ConfigError(f"Config key {key!r} must be an integer, got {value!r}.")
    return int(value)


@_accepting("number > 0")
def _positive_number(key: str, value: Any) -> float:
    if not _is_number(value) or not value > 0:
        raise ConfigError(f"Config key {key!r} must be a number greater than 0, got {value!r}.")
    return float(value)


@_accepting("number")
def _number(key: str, value: Any) -> float:
    if not _is_number(value):
        raise ConfigError(f"Config key {key!r} must be a number, got {value!r}.")
    return float(value)


def _choice(*choices: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            hint = closest_match_hint(value, choices) if isinstance(value, str) else ""
            raise ConfigError(
                f"Config key {key!r} has the unknown value {value!r}.{hint} Valid values: {', '.join(choices)}."
            )
        return value
    check.accepts = "one of the allowed values"
    check.choices = choices
    return check


@_accepting("non-empty list of integers >= 1")
def _architecture(key: str, value: Any) -> list[int]:
    if not isinstance(value, (list, tuple)) or not value or not all(_is_int(v) and v >= 1 for v in value):
        raise ConfigError(
            f"Config key {key!r} must be a non-empty list of positive layer widths, e.g. [10, 7, 5, 4, 3]; "
            f"got {value!r}."
        )
    return [int(v) for v in value]


@_accepting("false, or a number > 0")
def _max_norm(key: str, value: Any) -> float | bool:
    if value is False or value is None:
        return False
    if not _is_number(value) or not value > 0:
        raise ConfigError(f"Config key {key!r} must be false or a number greater than 0, got {value!r}.")
    return float(value)


def _plugin_module(kind: str, key: str, name: Any) -> ModuleType:
    """Import the plug-in named under ``key``, turning plug-in errors into config errors."""
    try:
        return plugins.load_module(kind, name)
    except PluginError as exc:
        raise ConfigError(f"Config key {key!r}: {exc}") from exc.__cause__


def _check_plugin_arguments(kind: str, key: str, name: str, module: ModuleType, arguments: dict) -> None:
    """Check the arguments' names and types against ``load``, then build the plug-in once, so that
    a value it rejects (a colormap, a strategy, a metric name) stops the run before any training."""
    try:
        plugins.check_arguments(kind, name, module.load, arguments)
        plugins.check_argument_types(kind, name, module.load, arguments)
        plugins.build(kind, name, module.load, arguments)
    except PluginError as exc:
        raise ConfigError(f"Config key {key!r}: {exc}") from None


def _plugin(kind: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        _plugin_module(kind, key, value)
        return value
    check.accepts = f"{kind} plug-in: a built-in name or the import path of your own module"
    check.plugin_kind = kind
    return check


def _estimator_name(key: str, value: Any) -> str | list[str]:
    """One estimator plug-in, or the names of the ``estimators`` entries (how a run's stored config records them)."""
    if isinstance(value, (list, tuple)) and all(isinstance(name, str) for name in value):
        for name in value:
            _plugin_module("estimator", key, name)
        return list(value)
    return _plugin("estimator")(key, value)


_estimator_name.accepts = ("estimator plug-in: a built-in name or the import path of your own module (a run with "
                           "`estimators` records their names here)")
_estimator_name.plugin_kind = "estimator"


def _plugin_list(kind: str) -> Callable[[str, Any], list]:
    """A list of plug-ins, each a name or ``[name, arguments]`` (arguments: list or dict)."""
    def check(key: str, value: Any) -> list:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"Config key {key!r} must be a list of {kind} plug-ins, got {value!r}.")
        checked = []
        for entry in value:
            name, arguments = (entry, {}) if isinstance(entry, str) else _name_and_arguments(key, entry)
            module = _plugin_module(kind, key, name)
            given = plugins.with_run_index(kind, name, arguments, 0) if kind == "callback" else arguments
            _check_plugin_arguments(kind, key, name, module, given)
            checked.append([name, arguments])
        return checked
    check.accepts = f"list of {kind} plug-ins, each a name or [name, {{arguments}}]"
    check.plugin_kind = kind
    return check


def _name_and_arguments(key: str, entry: Any) -> tuple[str, Any]:
    if (
        isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[0], str)
        and isinstance(entry[1], (list, tuple, dict))
    ):
        arguments = dict(entry[1]) if isinstance(entry[1], dict) else {}
        if isinstance(entry[1], (list, tuple)) and entry[1]:
            raise ConfigError(
                f"Config key {key!r}: give the arguments of {entry[0]!r} as an object "
                f"{{\"name\": value}}, not as the list {list(entry[1])!r}."
            )
        return entry[0], arguments
    raise ConfigError(
        f"Config key {key!r}: each entry must be a plug-in name or [name, {{arguments}}], got {entry!r}."
    )


@_accepting("name (the model plug-in declares the valid ones)")
def _name(key: str, value: Any) -> str:
    """A name the model plug-in checks against what it declares (``_check_declared_choices``)."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"Config key {key!r} must be a name, got {value!r}.")
    return value


@_accepting("true or false")
def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        hint = (f" On experiment.py's command line write {key}={value.strip().capitalize()} (Python's spelling)."
                if isinstance(value, str) and value.strip().lower() in ("true", "false") else "")
        raise ConfigError(f"Config key {key!r} must be true or false, got {value!r}.{hint}")
    return value


@_accepting("null, or an integer >= 1")
def _optional_positive_int(key: str, value: Any) -> int | None:
    return None if value is None else _positive_int(key, value)


@_accepting("null, or a name of letters, digits, '_', '.' and '-'")
def _optional_name(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
        raise ConfigError(f"Config key {key!r} must be null or a name of letters, digits, '_', '.' and '-', "
                          f"e.g. \"cohort_5\"; got {value!r}.")
    return value


@_accepting("object of argument names and values")
def _arguments(key: str, value: Any) -> dict:
    if not isinstance(value, dict) or not all(isinstance(name, str) for name in value):
        raise ConfigError(f"Config key {key!r} must be an object of argument names and values, got {value!r}.")
    return dict(value)


#: Short forms of argument names in estimator labels; other names are shortened to their words' initials.
ARGUMENT_ABBREVIATIONS = {"discretization_range": "dr", "k": "k"}


def _label_value(value: Any) -> str:
    """An argument's value as label text: letters, digits, ``.``, ``-`` and ``_`` only."""
    if isinstance(value, (list, tuple)):
        return "-".join(_label_value(item) for item in value)
    text = str(value).lower() if isinstance(value, bool) or value is None else str(value)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text)


def _argument_tag(key: str, value: Any, full_names: bool) -> str:
    """``dr0.01`` for ``discretization_range=0.01``, ``s-adaptive`` for ``strategy="adaptive"``."""
    short = key if full_names else ARGUMENT_ABBREVIATIONS.get(key, "".join(part[0] for part in key.split("_") if part))
    text = _label_value(value)
    return f"{short}{text}" if re.match(r"[-.\d]", text) and not full_names else f"{short}-{text}"


def _same_value(value: Any, default: Any) -> bool:
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) == list(default)
    return type(value) is not bool and type(default) is not bool and value == default or value is default


def changed_arguments(name: str, arguments: dict) -> dict:
    """The ``arguments`` of estimator plug-in ``name`` whose values differ from its ``load``'s defaults (those
    without a default included), in name order."""
    try:
        parameters = inspect.signature(plugins.load_module("estimator", name).load).parameters
    except PluginError:
        parameters = {}
    return {key: value for key, value in sorted(arguments.items())
            if key not in parameters or parameters[key].default is inspect.Parameter.empty
            or not _same_value(value, parameters[key].default)}


def estimator_labels(entries: Sequence[Sequence]) -> list[str]:
    """Short, distinct labels for ``[name, arguments]`` entries, safe in file names and shells: the plug-in's last
    name part, then each argument whose value differs from the plug-in's default, e.g. ``upper_dr0.01``,
    ``binning_dr0.5_s-adaptive``; argument names are shortened (``ARGUMENT_ABBREVIATIONS``, else initials) unless
    that makes two labels equal. The one place labels are made: the measures' ``estimator`` column, the file names
    of plots and re-estimated measures.

    Raises:
        ConfigError: Two entries are the same plug-in with the same arguments.
    """
    def labels_with(full_names: bool) -> list[str]:
        return ["_".join([name.rsplit(".", 1)[-1]] + [_argument_tag(key, value, full_names) for key, value
                                                      in changed_arguments(name, arguments).items()])
                for name, arguments in entries]

    labels = labels_with(False)
    if len(set(labels)) < len(labels):
        labels = labels_with(True)
    if len(set(labels)) < len(labels):
        raise ConfigError(f"Two estimators are configured identically: {[list(e) for e in entries]}.")
    return labels


def _estimators(key: str, value: Any) -> list:
    entries = _plugin_list("estimator")(key, value)
    try:
        estimator_labels(entries)
    except ConfigError as exc:
        raise ConfigError(f"Config key {key!r}: {exc}") from None
    return entries


_estimators.accepts = "list of estimator plug-ins, each a name or [name, {arguments}]"
_estimators.plugin_kind = "estimator"


KEY_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "epochs": _positive_int,
    "batch_size": _positive_int,
    "architecture": _architecture,
    "optimizer": _name,
    "learning_rate": _positive_number,
    "activation_fn": _name,
    "initial_bias": _number,
    "max_norm_weights": _max_norm,
    "model": _plugin("model"),
    "model_args": _arguments,
    "dataset": _plugin("dataset"),
    "dataset_args": _arguments,
    "estimator": _estimator_name,
    "estimator_args": _arguments,
    "estimators": _estimators,
    "discretization_range": _positive_number,
    "calculate_mi_for": _choice(*MI_SPLITS),
    "callbacks": _plugin_list("callback"),
    "plotters": _plugin_list("plotter"),
    "n_runs": _positive_int,
    "family_size": _optional_positive_int,
    "parallel_runs": _optional_positive_int,
    "batched_repetitions": _boolean,
    "store_activations": _boolean,
    "repetition_metrics": _choice(*REPETITION_METRICS),
    "seed": _integer,
    "snapshot_schedule": _choice(*SCHEDULES),
    "n_log_snapshots": _positive_int,
    "cohort": _optional_name,
}


#: What each config key means, beside the checks above: README's configuration table and the configuration
#: reference of the documentation are made from it (``key_reference``); the type and the allowed values are read
#: from the checks and the plug-ins, not written here.
KEY_DESCRIPTIONS: dict[str, str] = {
    "epochs": "training epochs",
    "batch_size": "rows per gradient step",
    "architecture": "hidden layer widths; a softmax readout sized to the classes is added",
    "optimizer": "the optimizer of training",
    "learning_rate": "learning rate",
    "activation_fn": "activation function of the hidden layers",
    "initial_bias": "constant initial bias of every layer",
    "max_norm_weights": "`false` or the max norm of each unit's incoming weights",
    "model": "model plug-in (its further arguments in `model_args`)",
    "model_args": "further arguments of the model, e.g. `{\"filters\": 1, \"kernel_size\": 4, \"pool_size\": 3}` for "
                  "`models.conv`",
    "dataset": "dataset plug-in",
    "dataset_args": "arguments of the dataset, e.g. `{\"path\": \"/data/mnist.npz\", \"downsample\": 2}`",
    "estimator": "MI estimator plug-in",
    "estimator_args": "further arguments of the estimator, e.g. `{\"strategy\": \"fixed\", \"n_bins\": 30, "
                      "\"bin_range\": [-1, 1]}`",
    "discretization_range": "the estimator's noise parameter: bin width for binning and EDGE, noise variance for the "
                            "KDE bounds, KSG and goldfeld (typically 0.001); not used by the autoregressive models "
                            "and quantised",
    "estimators": "several estimators in one run, each a name or `[name, {arguments}]` with its own "
                  "`discretization_range` (default 0.07 for binning, 0.001 for the KDE bounds), e.g. "
                  "`[\"mi_estimator.binning\", \"mi_estimator.upper\", \"mi_estimator.lower\"]`; replaces "
                  "`estimator`, `estimator_args` and `discretization_range`",
    "calculate_mi_for": "rows MI is estimated on",
    "callbacks": "callback plug-ins, e.g. `[[\"callbacks.early_stopping_manual\", {\"value\": 0.94}]]`",
    "plotters": "plotter plug-ins, e.g. `[[\"plotter.informationplane_movie\", {\"fps\": 10}]]`",
    "n_runs": "repetitions with seeds `seed`, `seed + 1`, ...",
    "family_size": "K: MI is also estimated for the family of the first K repetitions (each input passed through a "
                   "network drawn from them; see Estimators); `n_runs` is raised to K",
    "parallel_runs": "repetitions trained at the same time, each in its own process (`null`: one per core the "
                     "experiment may use: all of them, or its share when `run_experiments_local.py` runs several "
                     "experiments at once); results do not depend on it (with `batched_repetitions`, one group of "
                     "repetitions per process; on a GPU a group's size may change the rounding)",
    "batched_repetitions": "train the repetitions of a plain feed-forward model (Dense layers, no callbacks, no "
                           "`plotter.snr`) on JAX together, one compiled program per worker process over its share "
                           "of the repetitions; on the CPU each repetition runs exactly the operations of training "
                           "it alone (tested within 1e-5 after a few epochs, MI within 1e-4 bits; the canonical 8000 "
                           "epochs in `bench/study.py`: within 5e-9 bits of runs one at a time), on a GPU it agrees "
                           "up to float32 rounding; other models fall back to one at a time, said once in the log",
    "store_activations": "store every recorded layer's activations; with `false` (`store_activations=False` on the "
                         "command line) only the weights at each snapshot (and the rows and the model to recompute "
                         "the activations from) are stored, a few hundred kB per canonical repetition, and "
                         "re-estimation and the plots recompute the activations",
    "repetition_metrics": "which epochs' training and validation metrics of each repetition are stored "
                          "(`run_<k>.<name>` when `n_runs > 1`): every epoch, or only the snapshot epochs and the "
                          "last epoch (`snapshot_epochs`, 231 of 8000 epochs with the stepped schedule: for studies "
                          "of many repetitions); their mean over the repetitions is stored at every epoch either way",
    "seed": "seed of everything random",
    "snapshot_schedule": "which epochs are recorded: `stepped` (every epoch < 50, every 2nd < 100, every 20th < "
                         "2000, then every 100th) or `log` (about `n_log_snapshots` epochs spaced evenly on a log "
                         "scale, duplicates merged)",
    "n_log_snapshots": "snapshots of the `log` schedule",
    "cohort": "the study this run is a member of (a cohort grid in `configs/cohorts/` sets it; the run's name is its "
              "member name); `ExperimentLoader.find_by_cohort` finds a cohort's runs",
}


@dataclass(frozen=True)
class KeyReference:
    """One config key as the configuration reference shows it.

    Attributes:
        key: The config key.
        accepts: What its check accepts, in words.
        default: Its default (``default_config``).
        allowed: The values its check or the plug-ins allow, where they are a list (else empty).
        meaning: What it does (``KEY_DESCRIPTIONS``).
    """

    key: str
    accepts: str
    default: Any
    allowed: tuple[str, ...]
    meaning: str


def _allowed_values(key: str, check: Callable) -> tuple[str, ...]:
    """The values a key's check allows, where it has a list: its choices, the built-in plug-ins of its kind, or the
    values the model plug-ins declare (``DECLARED_CHOICES``) in their order."""
    if hasattr(check, "choices"):
        return tuple(check.choices)
    if hasattr(check, "plugin_kind"):
        return tuple(plugins.available(check.plugin_kind))
    if key in DECLARED_CHOICES:
        declared: list[str] = []
        for name in plugins.available("model"):
            for value in getattr(plugins.load_module("model", name), DECLARED_CHOICES[key], ()):
                if value not in declared:
                    declared.append(value)
        return tuple(declared)
    return ()


def key_reference() -> list[KeyReference]:
    """Every config key, in ``KEY_CHECKS``' order, with what it accepts, its default, allowed values and meaning."""
    defaults = default_config()
    return [KeyReference(key, check.accepts, defaults[key], _allowed_values(key, check), KEY_DESCRIPTIONS[key])
            for key, check in KEY_CHECKS.items()]


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    """Check every key of ``config`` and fill in defaults for the missing ones.

    Args:
        config: An experiment config (as from a JSON file or Sacred).

    Returns:
        A new dict with every known key, values normalised (lists, floats).

    Raises:
        ConfigError: On the first unknown key, unknown plug-in, wrong type or out-of-range value.
    """
    settings = default_config()
    for key, value in config.items():
        if key in DEPRECATED_KEYS:
            warnings.warn(
                f"Config key {key!r} is ignored: {DEPRECATED_KEYS[key]}. Remove it from the config.",
                ConfigWarning, stacklevel=2,
            )
            continue
        if key not in KEY_CHECKS:
            raise ConfigError(
                f"Unknown config key {key!r}.{closest_match_hint(key, KEY_CHECKS)} "
                f"Known keys: {', '.join(sorted(KEY_CHECKS))}."
            )
        settings[key] = copy.deepcopy(value)
    for key, check in KEY_CHECKS.items():
        settings[key] = check(key, settings[key])
    several_estimators = bool(settings["estimators"])
    settings["estimators"] = _estimator_list(settings)
    if several_estimators:
        settings["estimator"] = estimator_names(settings["estimators"])
    # The network family (deep_bottleneck.run.network_family) is the first family_size repetitions.
    settings["n_runs"] = max(settings["n_runs"], settings["family_size"] or 0)
    _check_dataset_and_model_arguments(settings)
    return settings


#: Module attributes of a model plug-in that declare the values it accepts, by config key.
DECLARED_CHOICES = {"activation_fn": "ACTIVATION_FUNCTIONS", "optimizer": "OPTIMIZERS"}
#: Settings the experiment passes to every model plug-in's ``load``, besides ``input_size`` and ``output_size``.
MODEL_SETTINGS = ("architecture", "activation_fn", "optimizer", "learning_rate", "max_norm_weights", "initial_bias")


def model_arguments(settings: dict[str, Any], input_size: int, output_size: int) -> dict[str, Any]:
    """Every argument the experiment passes to the model plug-in's ``load``: the ``MODEL_SETTINGS`` it has
    parameters for (all with ``**kwargs``; a setting changed from its default always, so that a model that cannot
    take it is refused), the data's shape and ``model_args``."""
    parameters = inspect.signature(_plugin_module("model", "model", settings["model"]).load).parameters
    takes_any = any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters.values())
    defaults = default_config()
    given = {key: settings[key] for key in MODEL_SETTINGS
             if takes_any or key in parameters or not _same_value(settings[key], defaults[key])}
    return {**given, "input_size": input_size, "output_size": output_size, **settings["model_args"]}


def _check_dataset_and_model_arguments(settings: dict[str, Any]) -> None:
    """Check ``dataset_args`` and ``model_args`` against the plug-ins' ``load`` (names and types; the data is not
    loaded and the model not built here)."""
    clash = sorted({*MODEL_SETTINGS, "input_size", "output_size"}.intersection(settings["model_args"]))
    if clash:
        raise ConfigError(f"Config key 'model_args' must not set {clash}: the experiment passes them; "
                          f"set the config keys of the same name instead.")
    checks = (("dataset", "dataset_args", settings["dataset_args"]),
              ("model", "model_args", model_arguments(settings, input_size=1, output_size=2)))
    _check_declared_choices(settings)
    for kind, key, arguments in checks:
        name = settings[kind]
        load = _plugin_module(kind, kind, name).load
        try:
            plugins.check_arguments(kind, name, load, arguments)
            plugins.check_argument_types(kind, name, load, arguments)
        except PluginError as exc:
            raise ConfigError(f"Config key {key!r}: {exc}") from None


def _check_declared_choices(settings: dict[str, Any]) -> None:
    """``activation_fn`` and ``optimizer`` against the values the model plug-in declares (``models.base``)."""
    module = _plugin_module("model", "model", settings["model"])
    for key, attribute in DECLARED_CHOICES.items():
        declared = getattr(module, attribute, None)
        if declared is not None:
            _choice(*declared)(key, settings[key])


def estimator_names(entries: Sequence[Sequence]) -> list[str]:
    """The plug-in names of ``[name, arguments]`` entries: what a run with ``estimators`` records under
    ``estimator``, so that Omniboard's ``estimator`` column lists them and ``{"config.estimator": name}`` finds the
    runs that used ``name``."""
    return [name for name, _ in entries]


def _estimator_list(settings: dict[str, Any]) -> list[list]:
    """The ``estimators`` setting, or the single estimator of ``estimator``, ``discretization_range`` and
    ``estimator_args`` (the original's keys) as a list of one."""
    defaults = default_config()
    single_keys = ("estimator", "discretization_range", "estimator_args")
    if settings["estimators"]:
        names = estimator_names(settings["estimators"])
        changed = [key for key in single_keys
                   if settings[key] != defaults[key] and not (key == "estimator" and settings[key] == names)]
        if changed:
            raise ConfigError(
                f"Config keys {changed} and 'estimators' both choose estimators. With 'estimators', give each "
                f"estimator its own arguments, e.g. [[\"mi_estimator.binning\", {{\"discretization_range\": 0.07}}], "
                f"[\"mi_estimator.upper\", {{\"discretization_range\": 0.001}}]], and drop {changed}."
            )
        return settings["estimators"]
    if isinstance(settings["estimator"], list):
        raise ConfigError(f"Config key 'estimator' is a list, {settings['estimator']!r}: several estimators are "
                          f"given as 'estimators', each a name or [name, {{arguments}}] (a run records their names "
                          f"under 'estimator').")
    arguments = {"discretization_range": settings["discretization_range"], **settings["estimator_args"]}
    _check_plugin_arguments("estimator", "estimator_args", settings["estimator"],
                            _plugin_module("estimator", "estimator", settings["estimator"]), arguments)
    return [[settings["estimator"], arguments]]


def validate_estimators(entries: Any) -> list[list]:
    """Check a list of estimators (each a name or ``[name, {arguments}]``) as the ``estimators`` key is checked.

    Returns:
        The entries as ``[name, arguments]`` pairs.

    Raises:
        ConfigError: The list is empty, names an unknown estimator, or has arguments an estimator rejects.
    """
    if not entries:
        raise ConfigError("Give at least one estimator, e.g. mi_estimator.upper.")
    return _estimators("estimators", entries)
