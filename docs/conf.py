"""Sphinx configuration for the djwsgi documentation (no network: intersphinx is off)."""

from importlib.metadata import version as _version

project = "djwsgi"
author = "The djwsgi developers"
copyright = "The djwsgi developers"
release = _version("djwsgi")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",  # only to include CHANGES.md and benchmarks/README.md
]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "examples"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

html_theme = "alabaster"
html_theme_options = {
    "description": "Django ⇄ WSGI, both ways, and in a paste.ini",
    "fixed_sidebar": True,
}

myst_heading_anchors = 3

# Show the aliases' names in signatures, not their expansions.
autodoc_type_aliases = {
    "Target": "djwsgi._types.Target",
    "WSGIApplication": "djwsgi.WSGIApplication",
    "WSGIEnvironment": "wsgiref.types.WSGIEnvironment",
    "StartResponse": "wsgiref.types.StartResponse",
}
