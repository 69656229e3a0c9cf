"""examples/paste_pipeline/, served as its README says: ``gunicorn --paste pipeline.ini``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from tests.servers import REPO, LiveServer, gunicorn

EXAMPLE = REPO / "examples" / "paste_pipeline"


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.live
def test_paste_pipeline_example(live_server: Callable[..., LiveServer]) -> None:
    argv = gunicorn("--paste", "pipeline.ini", "-b", "127.0.0.1:{port}")
    env = {"PYTHONPATH": ".", "DJANGO_SETTINGS_MODULE": ""}
    server = live_server(argv, env=env, cwd=EXAMPLE, ready_path="/hello/")
    status, _, body = fetch(server.url + "/api/items/42/")
    assert (status, json.loads(body)) == (200, {"item": 42, "url": "/api/items/42/"})
    assert json.loads(fetch(server.url + "/api/")[2]) == {
        "items": ["/api/items/1/", "/api/items/2/"]
    }
    status, _, body = fetch(server.url + "/hello/x")
    assert (status, body) == (200, "Hello from Django at /hello/x\n")
    status, headers, body = fetch(server.url + "/legacy/a")
    assert (status, body) == (200, "Hello from a bare WSGI function at /legacy/a\n")
    assert headers["X-Content-Type-Options"] == "nosniff"  # Django's SecurityMiddleware
    status, _, body = fetch(server.url + "/nowhere")
    assert status == 404 and "/api" not in body
