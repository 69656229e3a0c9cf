"""The WSGI → Django examples, each served by a real waitress (a subprocess on 127.0.0.1)
and requested over HTTP."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.servers import REPO, LiveServer

pytestmark = [pytest.mark.live, pytest.mark.slow]

EXAMPLES = REPO / "examples"


def _env(**extra: str) -> dict[str, str]:
    # No settings module from the test suite: each example brings its own (or none).
    return {"PYTHONPATH": f"{EXAMPLES}{os.pathsep}{REPO}", "DJANGO_SETTINGS_MODULE": "", **extra}


def _waitress(target: str) -> list[str]:
    return [sys.executable, "-m", "waitress", "--listen=127.0.0.1:{port}", target]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def test_seed_django_view(live_server: Callable[..., LiveServer]) -> None:
    server = live_server(_waitress("seed_django_view:application"), env=_env(), cwd=EXAMPLES)
    assert _get(server.url + "/") == "Django home; the WSGI app answers at /hello/there\n"
    assert _get(server.url + "/hello/there") == (
        "Hello from WSGI: SCRIPT_NAME='/hello' PATH_INFO='/there'\n"
    )
    assert _get(server.url + "/hello") == "Hello from WSGI: SCRIPT_NAME='/hello' PATH_INFO=''\n"
    assert "random SECRET_KEY" in server.log()  # djwsgi's minimal settings, said out loud


def test_flask_in_django_login_makes_remote_user(
    tmp_path: Path, live_server: Callable[..., LiveServer]
) -> None:
    env = _env(
        DJANGO_SETTINGS_MODULE="flask_in_django.settings",
        FLASK_IN_DJANGO_DB=str(tmp_path / "db.sqlite3"),
    )
    run_env = {**os.environ, **env}

    def django_admin(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=run_env,
            cwd=EXAMPLES,
            check=True,
            capture_output=True,
            timeout=120,
        )

    django_admin("migrate", "--noinput")
    django_admin(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_user('zoë', password='pw')",
    )
    server = live_server(
        _waitress("flask_in_django.wsgi:application"),
        env=env,
        cwd=EXAMPLES,
        ready_path="/flask/",
    )
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def fetch(path: str, data: dict[str, str] | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with browser.open(server.url + path, body, timeout=30) as response:
            return response.read().decode()

    assert fetch("/flask/").startswith("Hello, stranger.")
    form = fetch("/accounts/login/?next=/flask/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    greeting = fetch(
        "/accounts/login/",
        {
            "username": "zoë",
            "password": "pw",
            "next": "/flask/",
            "csrfmiddlewaretoken": token.group(1),
        },
    )  # Django logs in, then redirects to Flask
    assert greeting == "Hello, zoë! (Flask at /flask/)"
    assert any(cookie.name == "sessionid" for cookie in jar)
