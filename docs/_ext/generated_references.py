"""A Sphinx extension writing the generated pages before the sources are read: the configuration and plug-in
references (``deep_bottleneck.references``) and the API reference of every public module, into ``reference/``
(git-ignored). A page is rewritten only when its content changed."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import deep_bottleneck
from deep_bottleneck import references

#: Modules the API reference leaves out: private ones (a ``_`` in the path) are left out by rule.
API_PACKAGE = "deep_bottleneck"


def public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with ``_``, sorted."""
    found = [API_PACKAGE]
    for info in pkgutil.walk_packages(deep_bottleneck.__path__, prefix=f"{API_PACKAGE}."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


def api_markdown() -> str:
    """The API reference: one section per public module, its members as autodoc documents them."""
    lines = ["# API reference", "",
             "Every public module of the package (generated from `pkgutil.walk_packages`; private modules, whose "
             "names start with `_`, are left out). The layout of the stages is in [the architecture](../architecture.md).",
             ""]
    for module in public_modules():
        # autodoc writes reStructuredText, which a Markdown page must hand to the rST parser (eval-rst).
        lines += [f"## `{module}`", "", "```{eval-rst}", f".. automodule:: {module}", "   :members:", "```", ""]
    return "\n".join(lines)


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def write_pages(app) -> None:
    folder = Path(app.srcdir) / "reference"
    write_if_changed(folder / "configuration.md", references.config_reference_markdown())
    write_if_changed(folder / "plugins.md", references.plugin_reference_markdown())
    write_if_changed(folder / "api.md", api_markdown())


def setup(app):
    app.connect("builder-inited", write_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
