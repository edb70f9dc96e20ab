"""Sphinx configuration of the Scaling Workbench site (``make docs`` builds it into docs/_build/html).

Everything the site shows about the package is generated at build time by the local
extension ``workbench_docs`` (docs/_ext/): the law gallery from the catalogue, the API
reference from the package's ``__all__`` lists, the CLI reference from ``--help``, the
data page from the registry, and the labs executed with static charts. The site needs no
network: formulas are MathML, charts inline SVG, and the theme's assets are bundled.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import workbench  # noqa: E402

project = "Scaling Workbench"
author = "Scaling Workbench developers"
copyright = "Scaling Workbench developers"
release = version = workbench.__version__

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_nb",
    "workbench_docs",
]

# generated/datasets.rst is included into data.md, not a page of its own
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints", "generated/datasets.rst"]
root_doc = "index"

# --- checks: every cross-reference must resolve (-W turns warnings into errors) ---
# A docstring naming a real object of the package that is not exported (a helper, a submodule's
# function) renders as code without a link; a name that exists nowhere in the package fails.
nitpicky = True
# names of other libraries (no intersphinx: the build is offline) and numpydoc's type words
nitpick_ignore_regex = [
    (r"py:.*", r"(pd|pandas|np|numpy|alt|altair|torch|scipy|statsmodels|ipywidgets|anywidget|dask|distributed|nbformat|concurrent|pathlib|os|collections|typing|dataclasses|types)\..*"),
    (r"py:.*", r"(optional|default|callable|array_like|array-like|ndarray|DataFrame|Series|mapping|sequence|iterable|path-like|scalar|str|int|float|bool|dict|list|tuple|None)"),
]

# --- API reference (autodoc + numpydoc) ---
autodoc_typehints = "none"  # the numpydoc sections carry the types, in the user's words
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_class_members_toctree = False

# --- notebooks (myst-nb renders the outputs stored by the workbench_docs extension) ---
nb_execution_mode = "off"
nb_output_stderr = "remove"  # progress bars and log lines; a failing lab fails the build instead
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # notebooks step from '#' to '###' in places; headings still render

# --- HTML ---
html_theme = "pydata_sphinx_theme"
html_title = "Scaling Workbench"
html_math_renderer = "mathml"  # formulas as MathML at build time: no MathJax, no CDN
html_static_path = ["_static"]
html_css_files = ["workbench.css"]
html_show_sourcelink = False
html_copy_source = False
# search result snippets are fetched page by page with fetch(), which browsers refuse for file://
html_show_search_summary = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "data": []}

# where the labs come from, and where executed copies are cached between builds
workbench_notebooks = "../notebooks"
workbench_notebook_cache = os.environ.get("WORKBENCH_DOCS_CACHE", "_build/.notebook-cache")
