"""The ``djwsgi`` command, run as a user runs it: ``djwsgi ...`` and ``python -m djwsgi ...``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest

from tests.servers import BIN, REPO, LiveServer

PIPELINE = """\
[composite:main]
use = egg:Paste#urlmap
not_found_app = hello
/site = site
/hello = hello
/flask = flask
/guarded = guarded
/pyramid = pyramid

[app:site]
use = call:tests.cli_factories:make_urlconf_app
settings = tests.settings
urlconf = tests.urls

[app:hello]
use = call:tests.cli_factories:make_view_app
settings = tests.settings
view = tests.cli_factories:hello

[app:flask]
use = call:tests.cli_factories:make_flask_app

[app:pyramid]
use = call:tests.cli_factories:make_pyramid_app

[filter:guard]
use = call:tests.cli_factories:make_guard

[pipeline:guarded]
pipeline = guard flask

[composite:wiki_site]
use = call:tests.cli_factories:make_site
settings = tests.settings
urlconf = tests.urls
mount.wiki = flask
"""

BROKEN = """
[app:broken]
use = call:tests.cli_factories:make_view_app
settings = tests.settings
view = tests.views:nope

[app:e009]
use = call:tests.cli_factories:make_urlconf_app
settings = tests.settings
urlconf = tests.cli_factories:broken_urlpatterns

[app:w002]
use = call:tests.cli_factories:make_urlconf_app
settings = tests.settings
urlconf = tests.cli_factories:slash_urlpatterns

[app:conflict]
use = call:tests.cli_factories:make_view_app
settings = tests.other_settings
view = tests.cli_factories:hello
"""


def djwsgi(*args: str, cwd: Path, script: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the command: the installed ``djwsgi`` script, or ``python -m djwsgi``."""
    argv = [str(BIN / "djwsgi")] if script else [sys.executable, "-m", "djwsgi"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "DJWSGI_TEST_DB": str(cwd / "db.sqlite3")}
    return subprocess.run(
        [*argv, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    path = tmp_path / "paste.ini"
    path.write_text(PIPELINE)
    return path


@pytest.fixture
def broken_ini(tmp_path: Path) -> Path:
    path = tmp_path / "broken.ini"
    path.write_text(PIPELINE + BROKEN)
    return path


def _table(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines()]


def test_routes_prints_one_table_of_urlmap_and_django_urls(ini: Path) -> None:
    result = djwsgi("routes", "paste.ini", cwd=ini.parent, script=True)
    assert result.returncode == 0, result.stderr
    rows = _table(result.stdout)
    assert rows[0] == ["URL", "NAME", "VIEW"]
    assert ["/site/", "home", "tests.views.home"] in rows
    # The admin's patterns, under the urlmap prefix and with their namespace.
    assert ["/site/admin/", "admin:index", "django.contrib.admin.sites.AdminSite.index"] in rows
    assert ["/site/admin/login/", "admin:login", "django.contrib.admin.sites.AdminSite.login"] in (
        rows
    )
    assert [
        "/site/admin/auth/user/add/",
        "admin:auth_user_add",
        "django.contrib.auth.admin.UserAdmin.add_view",
    ] in rows
    # A lone view answers every path under its prefix; foreign apps are one row each.
    assert ["/hello/*", "tests.cli_factories.hello"] in rows
    assert ["/flask/*", "flask.app.Flask", "'tests.cli_factories'"] in rows
    assert ["/pyramid/*", "pyramid.router.Router"] in rows
    # Behind Django's middleware (a mount inside a Django app): the app that answers.
    assert ["/guarded/*", "flask.app.Flask", "'tests.cli_factories'"] in rows
    # Paste's not_found_app answers whatever no prefix matched.
    assert result.stdout.splitlines()[-1].split("  ")[0] == "/*"
    assert rows[-1][1:] == [
        "(not",
        "found)",
        "djwsgi.wsgi_application('tests.cli_factories:hello')",
    ]
    urls = [row[0] for row in rows[1:-1]]
    assert urls == sorted(urls, key=lambda url: url.split("/")[1])  # prefixes in order


def test_routes_json_follows_mounts_inside_a_django_urlconf(ini: Path) -> None:
    result = djwsgi("routes", "paste.ini#wiki_site", "--json", cwd=ini.parent)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "url": "/wiki/*",
        "name": "",
        "view": "flask.app.Flask 'tests.cli_factories'",
        "kind": "wsgi",
    }
    assert {"url": "/", "name": "home", "view": "tests.views.home", "kind": "django"} in rows
    assert any(row["url"] == "/admin/" and row["name"] == "admin:index" for row in rows)


def test_check_is_clean(ini: Path) -> None:
    result = djwsgi("check", "paste.ini", cwd=ini.parent, script=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"8 sections, 4 Django apps checked in {ini}: no problems"
    ]


def test_check_reports_each_problem_with_its_section(broken_ini: Path) -> None:
    result = djwsgi("check", "broken.ini", cwd=broken_ini.parent)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        "[app:broken]: ERROR: target 'tests.views:nope': module 'tests.views' has no "
        "attribute 'nope'" in lines
    )
    assert any(
        line.startswith("[app:e009]: ERROR urls.E009: Your URL pattern 'broken/'") for line in lines
    )
    assert any(line.startswith("[app:w002]: WARNING urls.W002:") for line in lines)
    assert any(
        line.startswith("[app:conflict]: ERROR: settings='tests.other_settings' conflicts")
        for line in lines
    )
    assert (
        lines[-1]
        == f"12 sections, 6 Django apps checked in {broken_ini}: 4 problems, 3 at ERROR or above"
    )


@pytest.mark.parametrize(
    ("fail_level", "status"), [("ERROR", 0), ("WARNING", 1)], ids=["warning passes", "fails"]
)
def test_check_fail_level(broken_ini: Path, fail_level: str, status: int) -> None:
    result = djwsgi("check", "broken.ini#w002", "--fail-level", fail_level, cwd=broken_ini.parent)
    assert result.returncode == status
    assert result.stdout.splitlines()[-1].endswith(f"1 problem, {status} at {fail_level} or above")


@pytest.mark.live
def test_serve_without_server_section_uses_waitress(ini: Path) -> None:
    argv = [str(BIN / "djwsgi"), "serve", "paste.ini", "--port", "{port}"]
    with LiveServer(argv, ini.parent, cwd=ini.parent, ready_path="/hello/") as server:
        assert urllib.request.urlopen(server.url + "/site/").read() == b"home at /site/"
        assert urllib.request.urlopen(server.url + "/flask/").read() == b"flask here"
        assert urllib.request.urlopen(server.url + "/pyramid/").read() == b"pyramid here"
    assert f"Serving {ini} on {server.url}/" in server.log().splitlines()


@pytest.mark.live
def test_serve_uses_server_section_with_port_override(ini: Path) -> None:
    ini.write_text(
        PIPELINE
        + textwrap.dedent("""
            [server:main]
            use = egg:waitress#main
            listen = 127.0.0.1:1
            threads = 2
            """)
    )
    argv = [sys.executable, "-m", "djwsgi", "serve", "paste.ini#hello", "--port", "{port}"]
    with LiveServer(argv, ini.parent, cwd=ini.parent) as server:
        assert urllib.request.urlopen(server.url + "/any").read() == b"hello from django"
    assert f"Serving {ini}#hello on {server.url}/" in server.log().splitlines()


@pytest.mark.parametrize(
    ("args", "culprit"),
    [
        pytest.param(["routes", "missing.ini"], "config file 'missing.ini' not found", id="file"),
        pytest.param(
            ["routes", "broken.ini#nope"], "No section 'nope' (prefixed by 'app'", id="section"
        ),
        pytest.param(
            ["routes", "broken.ini#broken"],
            "[app:broken] in {dir}/broken.ini: target 'tests.views:nope': module 'tests.views' "
            "has no attribute 'nope'",
            id="dotted path",
        ),
        pytest.param(
            ["serve", "broken.ini#conflict"],
            "[app:conflict] in {dir}/broken.ini: settings='tests.other_settings' conflicts with "
            "'tests.settings'",
            id="conflicting settings",
        ),
        pytest.param(
            ["serve", "bad_use.ini"],
            "[app:main] in {dir}/bad_use.ini: ModuleNotFoundError: No module named 'tests.nope'",
            id="import error",
        ),
        pytest.param(["check", "garbled.ini"], "cannot read {dir}/garbled.ini", id="not an ini"),
        pytest.param(
            ["serve", "broken.ini#hello", "--server", "nope"],
            "No section 'nope' (prefixed by 'server')",
            id="server section",
        ),
        pytest.param(["route", "broken.ini"], "invalid choice: 'route'", id="command"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    broken_ini: Path, args: list[str], culprit: str
) -> None:
    (broken_ini.parent / "bad_use.ini").write_text("[app:main]\nuse = call:tests.nope:make\n")
    (broken_ini.parent / "garbled.ini").write_text("[app:main\nuse = egg:djwsgi#view\n")
    result = djwsgi(*args, cwd=broken_ini.parent)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("djwsgi")
    assert culprit.format(dir=broken_ini.parent) in line


def test_traceback_on_request(broken_ini: Path) -> None:
    result = djwsgi("--traceback", "routes", "broken.ini#broken", cwd=broken_ini.parent)
    assert result.returncode == 2
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "djwsgi.conf.ConfigurationError: target 'tests.views:nope'" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("djwsgi routes: error: [app:broken]")
    after = djwsgi("routes", "broken.ini#broken", "--traceback", cwd=broken_ini.parent)
    assert after.stderr == result.stderr


def test_check_runs_djangos_checks_on_the_settings(ini: Path) -> None:
    result = djwsgi("check", "paste.ini#hello", "--deploy", cwd=ini.parent)
    assert result.returncode == 0, result.stderr  # warnings only
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("settings tests.settings: WARNING security.W009: Your SECRET_KEY")
        for line in lines
    )
    assert lines[-1].endswith("0 at ERROR or above")


def test_the_script_imports_modules_next_to_the_ini(tmp_path: Path) -> None:
    # As `python -m djwsgi` (and gunicorn) do: `view = app:hello` beside paste.ini works.
    (tmp_path / "app.py").write_text(
        "from django.http import HttpResponse\n\n\n"
        "def hello(request):\n    return HttpResponse('hi')\n"
    )
    (tmp_path / "paste.ini").write_text("[app:main]\nuse = egg:djwsgi#view\nview = app:hello\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    result = subprocess.run(
        [str(BIN / "djwsgi"), "routes", "paste.ini"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "app.hello" in result.stdout
