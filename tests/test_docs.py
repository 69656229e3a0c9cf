"""The documentation builds without a warning, and what it shows is true.

- ``docs/`` builds with Sphinx in nitpick-free ``-W`` mode (warnings are errors);
- every runnable example in ``docs/examples/`` runs in its own process (Django has one
  settings object per process) and prints exactly the output the docs show under it;
- the README's "save this as app.py" snippets, served by a real waitress on 127.0.0.1,
  answer ``curl`` with exactly the output the README shows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.servers import REPO, LiveServer

DOCS = REPO / "docs"
EXAMPLES = DOCS / "examples"
README = REPO / "README.md"

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.py"))


def _run(argv: list[str], *, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(REPO)},
    )


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html"]
        + [str(DOCS), str(tmp_path / "html")],
        cwd=REPO,
    )
    # -W: any Sphinx warning fails the build. (Python warnings of imported packages, such as
    # Pyramid's pkg_resources deprecation on new setuptools, are not Sphinx warnings.)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    api = (tmp_path / "html" / "api.html").read_text()
    for name in ["wsgi_application", "django_view", "mount", "to_django_response"]:
        assert f'id="djwsgi.{name}"' in api, f"djwsgi.{name} is missing from the API reference"


def test_there_are_examples() -> None:
    assert len(EXAMPLE_FILES) >= 6, EXAMPLE_FILES


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_example_prints_what_the_docs_show(example: Path) -> None:
    result = _run([sys.executable, example.name], cwd=EXAMPLES)
    assert result.returncode == 0, result.stderr
    shown = example.with_suffix(".out").read_text()
    assert result.stdout == shown, (
        f"{example.name} printed:\n{result.stdout}\nstderr:\n{result.stderr}"
    )


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_example_and_its_output_are_in_the_docs(example: Path) -> None:
    pages = "\n".join(page.read_text() for page in DOCS.glob("*.rst"))
    assert f".. literalinclude:: examples/{example.name}" in pages
    assert f".. literalinclude:: examples/{example.stem}.out" in pages


# The README ---------------------------------------------------------------------------
#
# Each section's "Save this as `file`:" code blocks are written to one directory, in
# order; its console block is then run there as a user would, with no settings module,
# and every command's output must be what the README shows.

BIN = Path(sys.executable).parent
HTTP = "http://127.0.0.1:8080"
SAVE = re.compile(r"[Ss]ave this as `([^`]+)`:\n\n```\w*\n(.*?)^```$", re.M | re.S)


def _readme_sections() -> list[tuple[str, str]]:
    sections = re.split(r"^## ", README.read_text(), flags=re.M)[1:]
    return [(section.partition("\n")[0], section) for section in sections]


def _readme_section(title: str) -> str:
    for name, section in _readme_sections():
        if name == title:
            return section
    raise AssertionError(f"README has no section {title!r}")


def _console(block: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines, each with the output lines shown under it."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            commands[-1][1].append(line)
    return commands


def _files_up_to(title: str) -> dict[str, str]:
    files: dict[str, str] = {}
    for name, section in _readme_sections():
        for filename, text in SAVE.findall(section):
            files[filename] = text
        if name == title:
            return files
    raise AssertionError(f"README has no section {title!r}")


def _run_console(section: str, cwd: Path) -> int:
    """Run the section's console commands in *cwd*; return how many outputs were checked."""
    env = {"DJANGO_SETTINGS_MODULE": ""}  # as a user runs it: djwsgi's minimal settings
    server: LiveServer | None = None
    checked = 0
    (block,) = re.findall(r"^```console\n(.*?)^```$", section, flags=re.M | re.S)
    try:
        for command, shown in _console(block):
            argv = command.split()
            if argv[:3] == ["python", "-m", "djwsgi"]:
                argv = ["djwsgi", *argv[3:]]
                djwsgi = [sys.executable, "-m", "djwsgi"]
            else:
                djwsgi = [str(BIN / "djwsgi")]
            if argv[:2] == ["pip", "install"]:
                assert shown == []
            elif argv[0] == "waitress-serve" or argv[:2] == ["djwsgi", "serve"]:
                if server is not None:
                    server.stop()
                if argv[0] == "waitress-serve":
                    assert argv[1] == "--listen=127.0.0.1:8080", command
                    run = [sys.executable, "-m", "waitress", "--listen=127.0.0.1:{port}", *argv[2:]]
                else:
                    run = [*djwsgi, *argv[1:], "--host=127.0.0.1", "--port={port}"]
                server = LiveServer(run, cwd, cwd=cwd, env=env)
                server.__enter__()
                assert shown == []
            elif argv[0] == "curl":
                assert server is not None, "curl before a server started"
                assert argv[1].startswith(HTTP + "/"), command
                with urllib.request.urlopen(server.url + argv[1][len(HTTP) :], timeout=10) as r:
                    body = r.read().decode()
                assert body.splitlines() == shown, f"{command}\n{server.log()}"
                checked += 1
            elif argv[0] == "djwsgi":
                result = subprocess.run(
                    [*djwsgi, *argv[1:]],
                    cwd=cwd,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    env={**os.environ, **env},
                )
                assert result.returncode == 0, result.stderr
                # The README runs in ~/site; this test in a temporary directory.
                printed = result.stdout.replace(str(cwd), "~/site")
                assert printed.splitlines() == shown, result.stdout
                checked += 1
            else:
                raise AssertionError(
                    f"the README shows a command this test does not run: {command}"
                )
    finally:
        if server is not None:
            server.stop()
    return checked


@pytest.mark.live
@pytest.mark.parametrize(
    "title", ["Django → WSGI", "WSGI → Django", "In a paste.ini", "In Pyramid", "Command line"]
)
def test_readme_section_is_true(title: str, tmp_path: Path) -> None:
    section = _readme_section(title)
    for filename, text in _files_up_to(title).items():
        (tmp_path / filename).write_text(text)
    for _filename, text in SAVE.findall(section):
        assert len([line for line in text.splitlines() if line.strip()]) <= 5, text
    assert _run_console(section, tmp_path) >= 1


def test_readme_has_the_sections_in_order() -> None:
    titles = [name for name, _ in _readme_sections()]
    expected = ["Quick start", "Django → WSGI", "WSGI → Django", "In a paste.ini"]
    expected += ["In Pyramid", "Command line", "Supported versions"]
    assert titles[: len(expected)] == expected
    quick = _readme_section("Quick start")
    (block,) = re.findall(r"^```console\n(.*?)^```$", quick, flags=re.M | re.S)
    assert [command.split()[:2] for command, _ in _console(block)] == [
        ["make", "demo"],
        ["make", "test"],
    ]
