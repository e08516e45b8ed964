"""Sphinx configuration of the documentation site (``make docs``): MyST Markdown pages, notebooks executed at build
time (MyST-NB), references generated from the code (``_ext/generated_references.py``), MathJax served from the
site itself. Nothing is fetched from the network while building or reading the site."""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS / "_ext"))

project = "deep-bottleneck"
author = "the deep-bottleneck authors"
copyright = "2018-2026, " + author

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx-mathjax-offline",
    "generated_references",
]
# The validation table is shown inside estimator_validation.md; its own file is what `make validate` rewrites.
exclude_patterns = ["_build", "_ext", "**.ipynb_checkpoints", "estimator_validation_table.md"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Every notebook runs top to bottom at each build; an error in a cell fails the build. A notebook here makes its own
# runs through the public commands (experiment.py, the runners) into a temporary runs folder, and reads
# $DEEP_BOTTLENECK_NOTEBOOKS: 'short' (make docs, CI) or 'full' (make docs NOTEBOOKS=full, the settings it states).
nb_execution_mode = "force"
nb_execution_timeout = 1800
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# Attributes sections as fields of their class, not as entries that would repeat a NamedTuple's own fields.
napoleon_use_ivar = True

html_theme = "alabaster"
# Wide enough for the references' tables.
html_theme_options = {"page_width": "1400px", "body_max_width": "none"}
html_title = "deep-bottleneck"
html_static_path = []
