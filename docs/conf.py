"""Sphinx configuration of bayesglmm's documentation site.

Build it with ``bash tools/docs`` (HTML in ``docs/_build/html``); see the README's
"Documentation" section.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import bayesglmm

project = "bayesglmm"
author = "bayesglmm developers"
copyright = "bayesglmm developers, MIT licence"
version = release = bayesglmm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# --- API reference -----------------------------------------------------------------------
# The reference documents the top-level public names only (bayesglmm.Model, bayesglmm.Fit,
# bayesglmm.datasets.load, ...): internal module paths are free to move.
autosummary_generate = False  # the pages in api/ are written by hand, no stub files
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
add_module_names = False
numpydoc_show_class_members = False  # members are listed by autodoc's :members:
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()  # the docstrings are checked by their doctests
numpydoc_xref_param_type = False

# --- notebooks ------------------------------------------------------------------------------
# The case studies are rendered from the executed notebooks committed in case_studies/
# (built with tools/build_notebooks.py); they are not run again here.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# --- HTML --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"bayesglmm {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
