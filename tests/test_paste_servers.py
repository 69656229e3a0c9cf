"""``paste.ini.sample`` served by real ``pserve`` and real ``gunicorn --paste`` (2 workers) on
127.0.0.1: every urlmap entry answers, ``reverse()`` answers under each prefix, and the Flask
app behind ``egg:djwsgi#django`` sends anonymous users to Django's login page and greets
them by name once they have logged in over HTTP (with Django's CSRF token)."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.servers import BIN, REPO, LiveServer, gunicorn

SAMPLE = REPO / "paste.ini.sample"

pytestmark = [pytest.mark.live, pytest.mark.slow]


class Browser:
    """Plain HTTP with a cookie jar; redirects are returned, not followed."""

    def __init__(self, server: LiveServer) -> None:
        self.port = server.port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, response.headers, text

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, str]:
        return self.request("GET", path)


def exercise_sample(server: LiveServer) -> None:
    browser = Browser(server)
    status, _, text = browser.get("/django/")
    assert status == 200
    for url in ("/django/", "/django/whoami/", "/django/accounts/login/", "/django/admin/"):
        assert f'href="{url}"' in text
    status, _, text = browser.get("/site/")
    assert status == 200 and 'href="/site/whoami/"' in text and 'href="/site/admin/"' in text
    for _ in range(6):  # several connections: with gunicorn, both workers answer
        status, _, text = browser.get("/hello/any/path")
        assert (status, text) == (
            200,
            "Hello from a lone Django view at /hello/any/path (mounted at /hello)\n",
        )
    status, _, text = browser.get("/site/wiki/FrontPage")
    assert (status, text) == (200, "Wiki page FrontPage at /site/wiki/FrontPage, for anonymous\n")
    status, _, text = browser.get("/nowhere")
    assert status == 404 and "/django" not in text and "/flask" not in text
    assert browser.get("/django/nowhere/")[0] == 404

    for method in ("GET", "HEAD", "OPTIONS", "POST"):
        status, headers, _ = browser.request(method, "/flask/")
        assert status == 302, method
        assert headers["Location"] == "/django/accounts/login/?next=/flask/"

    status, _, page = browser.get("/django/accounts/login/?next=/flask/")
    assert status == 200 and "csrftoken" in browser.cookies
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match is not None, page
    login = {"username": "demo", "password": "demo", "next": "/flask/"}
    wrong = {**login, "password": "wrong", "csrfmiddlewaretoken": match[1]}
    status, headers, _ = browser.request("POST", "/django/accounts/login/", wrong)
    assert status == 200 and "sessionid" not in browser.cookies  # the form again
    status, headers, _ = browser.request(
        "POST", "/django/accounts/login/", {**login, "csrfmiddlewaretoken": match[1]}
    )
    assert (status, headers["Location"]) == (302, "/flask/")
    for _ in range(4):
        status, _, text = browser.get("/flask/")
        assert (status, text) == (200, "Hello, demo! (Flask at /flask/)\n")
    assert browser.get("/django/whoami/")[2] == "demo at /django/whoami/\n"
    assert browser.get("/site/whoami/")[2] == "demo at /site/whoami/\n"
    assert browser.get("/site/wiki/Page")[2] == "Wiki page Page at /site/wiki/Page, for demo\n"
    assert browser.get("/django/admin/")[0] == 200  # the demo user may use the admin


def server_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "",  # not the suite's: the sample names its own
        "PYTHONPATH": f"{REPO}:{REPO / 'examples'}",
        "DJWSGI_DEMO_DB": str(tmp_path / "demo.sqlite3"),
    }


def test_sample_under_pserve(tmp_path: Path) -> None:
    # pserve takes the port from [server:main]: serve the sample, unchanged, through a
    # wrapper ini whose server listens on a free port.
    wrapper = tmp_path / "serve.ini"
    server = LiveServer(
        [str(BIN / "pserve"), str(wrapper)],
        tmp_path,
        env=server_env(tmp_path),
        ready_path="/hello/",
    )
    wrapper.write_text(
        f"[composite:main]\nuse = egg:Paste#urlmap\n/ = config:{SAMPLE}\n\n"
        f"[server:main]\nuse = egg:waitress#main\nhost = 127.0.0.1\nport = {server.port}\n"
    )
    with server:
        exercise_sample(server)
    assert "djwsgi demo: created the user 'demo' with the password 'demo'" in server.log()


def test_sample_under_gunicorn_with_two_workers(
    tmp_path: Path, live_server: Callable[..., LiveServer]
) -> None:
    # gunicorn ignores [server:main]; each worker loads the ini (and migrates, one at a time).
    argv = gunicorn("--paste", str(SAMPLE), "-b", "127.0.0.1:{port}", "-w", "2")
    server = live_server(argv, env=server_env(tmp_path), ready_path="/hello/")
    exercise_sample(server)
    log = server.log()
    assert log.count("Booting worker") == 2, log
    assert log.count("created the user 'demo'") == 1, log
