"""Sphinx configuration: ``sphinx-build -W --keep-going -b html docs docs/_build/html``.

Documents the installed relufast (``pip install ".[docs]"`` first): the API reference comes from
its docstrings (numpydoc), the figures are drawn at build time by docs/figures/ into
docs/_generated/ (never committed), the performance chart from the measured results in
docs/perf/results.json.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "figures"))

import relufast  # noqa: E402

project = "relufast"
author = "The relufast developers"
copyright = "2026, The relufast developers"
release = relufast.__version__  # the one place: relufast/_version.py
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "figures", "perf", "_generated/*.md", "_static/*.txt"]
templates_path = []

# numpydoc renders the docstrings' sections; the See Also names resolve in relufast
numpydoc_show_class_members = False
numpydoc_attributes_as_param_list = False
autodoc_default_options = {"members": False}
add_module_names = False

myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"relufast {release}"
html_theme_options = {
    "description": "The ReLU family and its gradients for NumPy, at memory speed",
    "fixed_sidebar": True,
    "page_width": "1060px",
    "sidebar_width": "230px",
}


def _generate(app):
    """Draw the figures and the performance table into docs/_generated/."""
    import family
    import perf

    out = os.path.join(HERE, "_generated")
    family.make_all(out)
    perf.render(os.path.join(HERE, "perf", "results.json"), out)


def setup(app):
    app.connect("builder-inited", _generate)
