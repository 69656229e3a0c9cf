"""The documentation builds without a warning, and what it shows is true.

- ``docs/`` builds with Sphinx in nitpick-free ``-W`` mode (warnings are errors);
- every runnable example in ``docs/examples/`` runs in its own process (Django has one
  settings object per process) and prints exactly the output the docs show under it;
- the README's "save this as app.py" snippets, served by a real waitress on 127.0.0.1,
  answer ``curl`` with exactly the output the README shows.
"""

from __future__ import annotations

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


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html"]
        + [str(DOCS), str(tmp_path / "html")],
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
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


def _readme_section(title: str) -> str:
    sections = re.split(r"^## ", README.read_text(), flags=re.M)
    for section in sections:
        if section.startswith(title + "\n"):
            return section
    raise AssertionError(f"README has no section {title!r}")


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", section, flags=re.M | re.S)


def _console(block: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines, each with the output lines shown under it."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            commands[-1][1].append(line)
    return commands


@pytest.mark.live
@pytest.mark.parametrize("title", ["Django → WSGI", "WSGI → Django"])
def test_readme_app_answers_as_shown(title: str, tmp_path: Path) -> None:
    section = _readme_section(title)
    assert "Save this as `app.py`" in section
    (python,) = _blocks(section, "python")
    assert len([line for line in python.splitlines() if line.strip()]) <= 5
    (tmp_path / "app.py").write_text(python)
    server: LiveServer | None = None
    checked = 0
    try:
        for command, shown in _console(_blocks(section, "console")[0]):
            if command.startswith("pip install "):
                assert shown == []
            elif command == "waitress-serve --listen=127.0.0.1:8080 app:application":
                argv = [sys.executable, "-m", "waitress", "--listen=127.0.0.1:{port}"]
                # As a user runs it: no settings module (djwsgi configures minimal ones).
                no_settings = {"DJANGO_SETTINGS_MODULE": ""}
                server = LiveServer(
                    [*argv, "app:application"], tmp_path, cwd=tmp_path, env=no_settings
                )
                server.__enter__()
            elif command.startswith("curl http://127.0.0.1:8080/"):
                assert server is not None, "curl before the server started"
                url = command.removeprefix("curl ").replace("http://127.0.0.1:8080", server.url)
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read().decode()
                assert body.splitlines() == shown, server.log()
                checked += 1
            else:
                raise AssertionError(
                    f"the README shows a command this test does not run: {command}"
                )
    finally:
        if server is not None:
            server.stop()
    assert checked >= 1
