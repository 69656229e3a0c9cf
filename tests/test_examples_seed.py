"""examples/seed_view.py and examples/seed_urlconf.py, served unchanged by real servers
(waitress-serve and gunicorn, from the venv) with no settings module, over HTTP."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import gunicorn.config
import pytest

from tests.servers import BIN, LiveServer, gunicorn

pytestmark = pytest.mark.live

# argv per server; "{prefix}" is where the server mounts the app ("" for the root).
SERVERS = [
    pytest.param(
        [str(BIN / "waitress-serve"), "--listen=127.0.0.1:{port}", "--url-prefix=/seed"],
        "/seed",
        id="waitress-serve --url-prefix",
    ),
    pytest.param(
        gunicorn("--bind=127.0.0.1:{port}", "--workers=1", "--log-level=warning"),
        "",
        id="gunicorn",
    ),
]


def get(url: str) -> tuple[int, str, dict[str, str]]:
    """GET without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture
def serve(
    live_server: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> Callable[[list[str], str, str], LiveServer]:
    # The examples must work without any settings module: the server gets none.
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)

    def start(argv: list[str], prefix: str, app: str) -> LiveServer:
        return live_server([*argv, app], ready_path=prefix + "/")

    return start


@pytest.mark.parametrize(("argv", "prefix"), SERVERS)
def test_seed_view_answers_every_path(
    serve: Callable[[list[str], str, str], LiveServer], argv: list[str], prefix: str
) -> None:
    server = serve(argv, prefix, "examples.seed_view:application")
    status, body, headers = get(f"{server.url}{prefix}/")
    assert (status, body) == (200, f"Hello from a Django view: GET {prefix}/\n")
    assert headers["Content-Length"] == str(len(body))
    status, body, _ = get(f"{server.url}{prefix}/any/deep/path?x=1&y=caf%C3%A9")
    assert (status, body) == (
        200,
        f"Hello from a Django view: GET {prefix}/any/deep/path?x=1&y=caf%C3%A9\n",
    )
    assert "RuntimeWarning" in server.log()  # the minimal-settings warning, once
    assert server.log().count("SECRET_KEY") == 1


@pytest.mark.parametrize(("argv", "prefix"), SERVERS)
def test_seed_urlconf_routes_reverses_and_404s(
    serve: Callable[[list[str], str, str], LiveServer], argv: list[str], prefix: str
) -> None:
    server = serve(argv, prefix, "examples.seed_urlconf:application")
    status, index, _ = get(f"{server.url}{prefix}/")
    assert status == 200
    links = re.findall(r'href="([^"]+)"', index)
    assert links == [
        f"{prefix}/articles/2003/1/",
        f"{prefix}/articles/2005/7/",
        f"{prefix}/articles/2025/4/",
        f"{prefix}/articles/2005/",
    ]
    assert get(server.url + links[1])[:2] == (200, "2005/7: Django goes open source\n")
    assert get(server.url + links[3])[:2] == (200, "2005: Django goes open source\n")
    status, _, headers = get(f"{server.url}{prefix}/latest/")
    assert (status, headers["Location"]) == (302, f"{prefix}/articles/2025/4/")
    status, body, _ = get(f"{server.url}{prefix}/articles/1999/1/")
    assert status == 404  # the view's Http404
    assert "No such article" not in body  # DEBUG is off
    status, body, _ = get(f"{server.url}{prefix}/nowhere/")
    assert status == 404
    assert "<h1>Not Found</h1>" in body
