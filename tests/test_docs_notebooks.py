"""The research notebooks (docs/notebooks/) and the cohort results pages are pages of the site: each is in a toctree
of docs/index.md or of docs/results/index.md, and each notebook reads the one parameter that shortens it."""

import json
import re

from tests.conftest import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"


def toctree_entries(page):
    """The entries of every toctree of a MyST page."""
    blocks = re.findall(r"```\{toctree\}\n(.*?)```", page.read_text(), re.S)
    return {line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith(":")}


def test_every_research_notebook_is_in_the_sites_toctree_and_has_the_short_switch():
    notebooks = sorted(path.stem for path in (DOCS / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 7
    entries = toctree_entries(DOCS / "index.md")
    assert {f"notebooks/{name}" for name in notebooks} <= entries
    for name in notebooks:
        source = "".join("".join(cell["source"]) for cell in
                         json.loads((DOCS / "notebooks" / f"{name}.ipynb").read_text())["cells"])
        assert "from notebook_runs import" in source, name
        assert "short" in source.lower() and "full" in source.lower(), name


def test_every_results_page_is_in_the_results_toctree():
    pages = {path.stem for path in (DOCS / "results").glob("*.md")} - {"index"}
    assert "results/index" in toctree_entries(DOCS / "index.md")
    assert pages == toctree_entries(DOCS / "results" / "index.md")
