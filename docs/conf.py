"""Sphinx configuration for the djwsgi documentation (no network: intersphinx is off)."""

import re
from importlib.metadata import version as _version
from pathlib import Path

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
exclude_patterns = ["_build", "_generated", "examples"]

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


# The benchmarks page is benchmarks/README.md, rewritten for Sphinx into _generated/:
# images that have not been generated are left out, links into the repository become text.
_ROOT = Path(__file__).resolve().parent.parent


def _benchmarks_page() -> None:
    source = _ROOT / "benchmarks" / "README.md"
    if source.exists():
        text = source.read_text()

        def image(match: re.Match[str]) -> str:
            found = (_ROOT / "benchmarks" / match[2]).exists()
            return f"![{match[1]}](../benchmarks/{match[2]})" if found else ""

        text = re.sub(r"!\[([^\]]*)\]\((?!https?:)([^)]+)\)", image, text)
        text = re.sub(
            r"(?<!!)\[([^\]]+)\]\((?!https?:|#)([^)]+)\)",
            lambda match: f"{match[1]} (`benchmarks/{match[2]}`)",
            text,
        )
    else:
        text = "# Benchmarks\n\nThe benchmark suite is `benchmarks/`: run it with `make bench`.\n"
    page = Path(__file__).resolve().parent / "_generated" / "benchmarks.md"
    page.parent.mkdir(exist_ok=True)
    if not page.exists() or page.read_text() != text:
        page.write_text(text)


_benchmarks_page()
