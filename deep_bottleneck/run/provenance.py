"""What a run was made of, for its record: the source files of every plug-in it used and the framework's modules,
and the versions of the packages of the whole stack."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from sacred.dependencies import PEP440_VERSION_PATTERN

from deep_bottleneck import plugins

#: Packages whose versions every run records (those installed).
STACK = ("deep-bottleneck", "keras", "jax", "jaxlib", "numpy", "scipy", "pandas", "h5py", "numba", "matplotlib",
         "sacred", "tensorflow", "tqdm", "pymongo", "imageio-ffmpeg")
#: Config keys naming plug-ins, by kind: one name, or a list of names or ``[name, arguments]`` entries.
PLUGIN_KEYS = (("dataset", "dataset"), ("model", "model"), ("estimator", "estimators"), ("callback", "callbacks"),
               ("plotter", "plotters"))


def stack_versions() -> dict[str, str]:
    """The installed version of each package of ``STACK`` (packages not installed, or with a version Sacred cannot
    record, are left out)."""
    versions = {}
    for package in STACK:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
        if PEP440_VERSION_PATTERN.match(version):
            versions[package] = version
    return versions


def _plugin_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [entry if isinstance(entry, str) else entry[0] for entry in value]


def plugin_source_files(settings: dict[str, Any]) -> list[Path]:
    """The module file of every plug-in that validated ``settings`` use (the user's own included), in the order of
    ``PLUGIN_KEYS``, without repeats."""
    files: dict[Path, None] = {}
    for kind, key in PLUGIN_KEYS:
        for name in _plugin_names(settings[key]):
            module_file = getattr(plugins.load_module(kind, name), "__file__", None)
            if module_file:
                files[Path(module_file).resolve()] = None
    return list(files)


def framework_source_files() -> list[Path]:
    """The files of every ``deep_bottleneck`` module loaded in this process."""
    files = {Path(module.__file__).resolve() for name, module in list(sys.modules.items())
             if (name == "deep_bottleneck" or name.startswith("deep_bottleneck."))
             and getattr(module, "__file__", None)}
    return sorted(files)


def run_source_files(settings: dict[str, Any]) -> list[Path]:
    """Every source file a run of ``settings`` uses: its plug-ins' modules and the framework's loaded modules."""
    return list(dict.fromkeys(plugin_source_files(settings) + framework_source_files()))
