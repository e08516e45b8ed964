"""The package's layout, read from its own imports: stages import only downwards, and no module imports itself
back through others.

Stages, top to bottom: ``cli`` -> ``batch`` -> ``run``, ``eval_tools`` and ``testing`` -> ``store`` -> the plug-in
folders -> the primitives (the modules at the package's top level). Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from deep_bottleneck import plugins

PACKAGE_DIR = Path(plugins.__file__).parent
PLUGIN_FOLDERS = set(plugins.KINDS.values())
RANKS = {"cli": 6, "batch": 5, "run": 4, "eval_tools": 4, "testing": 4, "store": 3, **dict.fromkeys(PLUGIN_FOLDERS, 2)}
PRIMITIVE_RANK = 1


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    """``run``, ``store``, ... or the module's own name for a primitive."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def rank(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in RANKS):
        return RANKS[parts[1]]
    return PRIMITIVE_RANK if len(parts) == 2 else 0


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that the file imports (a name imported from a package counts as its module when it is
    one)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules and name != "deep_bottleneck"}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE_DIR.rglob("*.py")}
    return {module: imported_modules(path, set(files)) - {module} for module, path in files.items()}


def test_every_import_points_down_a_stage_or_stays_in_its_own():
    upward = []
    for module, targets in import_graph().items():
        for target in targets:
            same_stage = stage(module) == stage(target) and stage(module) in RANKS
            plugin_contract = stage(target) in PLUGIN_FOLDERS and stage(module) in PLUGIN_FOLDERS
            if rank(target) > rank(module) or (rank(target) == rank(module) and rank(module) > PRIMITIVE_RANK
                                               and not same_stage and not plugin_contract):
                upward.append(f"{module} -> {target}")
    assert not upward, "imports that do not point down the stages:\n" + "\n".join(sorted(upward))


def test_no_import_circle():
    graph = import_graph()
    visiting, done, circles = [], set(), []

    def visit(module: str) -> None:
        if module in done:
            return
        if module in visiting:
            circles.append(" -> ".join(visiting[visiting.index(module):] + [module]))
            return
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    assert not circles, "import circles:\n" + "\n".join(circles)


@pytest.mark.parametrize("kind", sorted(plugins.KINDS))
def test_plugin_folders_hold_only_plugins_their_contract_and_private_helpers(kind):
    folder = PACKAGE_DIR / plugins.KINDS[kind]
    public = {path.stem for path in folder.glob("*.py") if not path.stem.startswith("_") and path.stem != "base"}
    assert public == {name.split(".")[-1] for name in plugins.available(kind)}
    for name in plugins.available(kind):
        assert callable(plugins.load_module(kind, name).load)


def test_the_stage_rule_catches_an_upward_import():
    assert rank("deep_bottleneck.cli.experiment") > rank("deep_bottleneck.run.pipeline") > rank(
        "deep_bottleneck.store.run_folder") > rank("deep_bottleneck.mi_estimator.binning") > rank(
        "deep_bottleneck.config")
