"""djwsgi.pyramid: ``config.add_django_app()`` over HTTP (waitress), beside plain ``wsgiapp2``."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import waitress
from django.http import StreamingHttpResponse
from django.urls import path
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationExecutionError
from waitress import wasyncore
from webtest import TestApp

import djwsgi
from tests.apps.django_in_pyramid import make_app
from tests.servers import LiveServer

HERE = Path(__file__).resolve().parent


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """*app* under an in-process waitress on 127.0.0.1 (a free port); yields its URL."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)
        thread.join(timeout=10)


def fetch(url: str, method: str = "GET", body: Any = None, **headers: str) -> Any:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode()
        return response
    finally:
        conn.close()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The Pyramid app with Django under /legacy, served by one waitress process."""
    with serving(make_app()) as url:
        yield url


def test_pyramid_and_django_answer_in_one_waitress_process(site: str) -> None:
    pyramid = fetch(site + "/")
    django = fetch(site + "/legacy/page/")
    assert pyramid.status == 200
    assert pyramid.text == f"pyramid home; django at {site}/legacy/page/"
    assert django.status == 200
    assert json.loads(django.text)["path"] == "/legacy/page/"


def test_pyramid_route_url_points_at_django_and_django_reverse_is_under_prefix(
    site: str,
) -> None:
    django_url = fetch(site + "/").text.rpartition(" ")[2]  # from request.route_url()
    page = json.loads(fetch(django_url).text)
    assert page == {
        "path": "/legacy/page/",
        "script_name": "/legacy",
        "path_info": "/page/",
        "reverse": "/legacy/page/",
        "absolute": f"{site}/legacy/page/",
        "pyramid_home": f"{site}/",
    }
    # ... and the Pyramid URL Django built from the Pyramid request answers from Pyramid.
    assert fetch(page["pyramid_home"]).text.startswith("pyramid home")


def test_admin_redirects_under_prefix_with_relative_location_kept(site: str) -> None:
    response = fetch(site + "/legacy/admin/")
    assert response.status == 302
    # Django's relative Location, verbatim (WebOb's Response.__call__ makes it absolute).
    assert response.getheader("Location") == "/legacy/admin/login/?next=/legacy/admin/"
    assert fetch(site + "/legacy/admin/login/").status == 200


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/legacy", "/legacy|/|/legacy/", id="the prefix itself"),
        pytest.param("/legacy/", "/legacy|/|/legacy/", id="prefix and slash"),
        pytest.param("/legacy/x/a", "/legacy|/x/a|/legacy/", id="a subpath"),
        pytest.param("/legacy/x/a/", "/legacy|/x/a/|/legacy/", id="trailing slash kept"),
        pytest.param("/legacy/x/caf%C3%A9", "/legacy|/x/café|/legacy/", id="non-ascii"),
    ],
)
def test_path_shift(site: str, path: str, expected: str) -> None:
    response = fetch(site + path)
    assert (response.status, response.text) == (200, expected)


@pytest.mark.parametrize(
    "subpath",
    ["/", "/x/a", "/x/a/", "/x/caf%C3%A9/b", "/x/a%20b"],
)
@pytest.mark.parametrize("outer", ["", "/outer"])
def test_path_shift_is_wsgiapp2s(validated: Callable[..., Any], subpath: str, outer: str) -> None:
    app = TestApp(validated(make_app()), extra_environ={"SCRIPT_NAME": outer})
    directive = app.get("/legacy" + subpath).text
    plain = app.get("/plain" + subpath).text
    assert directive == plain.replace("/plain", "/legacy")
    assert directive.startswith(f"{outer}/legacy|")


def test_prefix_matches_on_a_segment_boundary_only(site: str) -> None:
    assert fetch(site + "/legacyfoo").status == 404
    assert fetch(site + "/legacy").status == 200


def test_route_url_forms(validated: Callable[..., Any]) -> None:
    config = Configurator()
    config.include("djwsgi.pyramid")
    config.add_django_app("legacy", "/legacy/", "tests.apps.django_in_pyramid_urls")
    config.add_django_app("root", "/", "tests.apps.django_in_pyramid_urls")
    config.commit()
    from pyramid.request import Request

    request = Request.blank("/", base_url="http://example.com/app")
    request.registry = config.registry
    assert request.route_url("legacy") == "http://example.com/app/legacy"
    assert request.route_path("legacy", subpath="/admin/") == "/app/legacy/admin/"
    assert request.route_path("legacy", subpath="admin/") == "/app/legacy/admin/"
    assert request.route_path("legacy", subpath=("x", "a b")) == "/app/legacy/x/a%20b"
    assert request.route_path("root") == "/app/"
    assert request.route_path("root", subpath="/page/") == "/app/page/"


def test_plain_wsgiapp2_keeps_working(site: str) -> None:
    page = json.loads(fetch(site + "/plain/page/").text)
    assert page["reverse"] == "/plain/page/"
    assert page["pyramid_home"] is None  # wsgiapp2 does not link the Pyramid request


class CountingStream(io.BytesIO):
    """A server's wsgi.input that counts what has been read from it."""

    consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.consumed += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.consumed += len(data)
        return data


@pytest.mark.parametrize(
    ("prefix", "consumed_before_view"),
    [
        pytest.param("/legacy", 0, id="add_django_app streams"),
        pytest.param("/plain", 8 << 10, id="wsgiapp2 copies the body first"),
    ],
)
def test_body_reaches_django_unread(
    validated: Callable[..., Any], prefix: str, consumed_before_view: int
) -> None:
    body = b"x" * (8 << 10)  # under WebOb's in-memory limit (a bigger copy is a temp file)
    stream = CountingStream(body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": prefix + "/probe/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/octet-stream",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "test.stream": stream,
    }
    status: list[str] = []
    app = validated(make_app())
    result = app(environ, lambda s, h, exc_info=None: status.append(s))
    try:
        answer = json.loads(b"".join(result))
    finally:
        result.close()
    assert status == ["200 OK"]
    assert answer == {"consumed_before_view": consumed_before_view, "read_by_view": len(body)}


def test_streaming_response_is_closed_once(
    validated: Callable[..., Any], close_counter: Any
) -> None:
    body_app = close_counter.app([b"a", b"b", b"c"])

    def stream(request: Any) -> StreamingHttpResponse:
        return StreamingHttpResponse(body_app(request.META, lambda *a: None))

    config = Configurator()
    config.include("djwsgi.pyramid")
    config.add_django_app("s", "/s", [path("", stream)], middleware=[])
    app = TestApp(validated(config.make_wsgi_app()))
    assert app.get("/s").body == b"abc"
    assert app.head("/s").body == b""
    assert close_counter.closes == [1, 1]


def test_broken_dotted_path_fails_at_start_up() -> None:
    config = Configurator()
    config.include("djwsgi.pyramid")
    with pytest.raises(djwsgi.ConfigurationError, match="'tests.no_such_module'"):
        config.add_django_app("a", "/a", "tests.no_such_module")
    config.add_django_app("b", "/b", "tests.views:no_such_view")
    with pytest.raises(ConfigurationExecutionError, match="'tests.views:no_such_view'"):
        config.make_wsgi_app()


def test_pattern_with_a_subpath_is_refused() -> None:
    config = Configurator()
    config.include("djwsgi.pyramid")
    with pytest.raises(djwsgi.ConfigurationError, match=r"'/a/\*subpath'.*prefix"):
        config.add_django_app("a", "/a/*subpath", "tests.urls")


def test_djwsgi_settings_from_the_registry() -> None:
    config = Configurator(settings={"djwsgi.settings": "tests.settings"})
    config.include("djwsgi.pyramid")
    config.add_django_app("a", "/a", "tests.urls")  # the settings in force: accepted
    other = Configurator(settings={"djwsgi.settings": "tests.other_settings"})
    other.include("djwsgi.pyramid")
    with pytest.raises(djwsgi.ConfigurationError, match="'tests.other_settings'.*tests.settings"):
        other.add_django_app("a", "/a", "tests.urls")


UPLOAD = 64 << 20


def _upload_body(block: bytes) -> Iterator[bytes]:
    for _ in range(UPLOAD // len(block)):
        yield block


def _vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


@pytest.mark.live
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_64_mib_upload_streams_with_bounded_memory(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "waitress", "--listen=127.0.0.1:{port}", "--threads=2"]
    argv += ["--call", "tests.apps.django_in_pyramid:make_app"]
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings", "DJWSGI_TEST_DB": str(tmp_path / "db")}
    block = hashlib.sha256(b"djwsgi").digest() * 2048  # 64 KiB
    expected = hashlib.sha256()
    for chunk in _upload_body(block):
        expected.update(chunk)
    with LiveServer(argv, tmp_path, env=env) as server:
        assert server.process is not None
        headers = {"Content-Length": str(UPLOAD), "Content-Type": "application/octet-stream"}
        warm_up = fetch(server.url + "/legacy/hash/", "POST", block)  # imports, first request
        assert warm_up.status == 200
        before = _vm_hwm_kib(server.process.pid)
        response = fetch(server.url + "/legacy/hash/", "POST", _upload_body(block), **headers)
        grown = _vm_hwm_kib(server.process.pid) - before
        assert response.status == 200, response.text
        assert json.loads(response.text) == {"sha256": expected.hexdigest(), "size": UPLOAD}
        print(f"peak RSS growth for a 64 MiB upload: {grown} KiB")
        assert grown < 32 << 10, f"peak RSS grew by {grown} KiB for a 64 MiB upload"
        # The probe can see buffering: a view that reads request.body first grows by 64 MiB.
        before = _vm_hwm_kib(server.process.pid)
        response = fetch(server.url + "/buffered/hash/", "POST", _upload_body(block), **headers)
        assert json.loads(response.text)["size"] == UPLOAD
        buffered = _vm_hwm_kib(server.process.pid) - before
        print(f"peak RSS growth when Pyramid reads request.body first: {buffered} KiB")
        assert buffered > 60 << 10


def test_body_read_by_pyramid_first_still_reaches_django(validated: Callable[..., Any]) -> None:
    def read_body_first(event: Any) -> None:
        assert event.request.body == b"a=1&b=2"

    from pyramid.events import NewRequest

    config = Configurator()
    config.include("djwsgi.pyramid")
    config.add_subscriber(read_body_first, NewRequest)
    config.add_django_app("legacy", "/legacy", "tests.apps.django_in_pyramid_urls")
    app = TestApp(validated(config.make_wsgi_app()))
    answer = app.post("/legacy/hash/", b"a=1&b=2", content_type="text/plain").json
    assert answer == {"sha256": hashlib.sha256(b"a=1&b=2").hexdigest(), "size": 7}


@pytest.mark.live
def test_example_django_in_pyramid(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "examples.django_in_pyramid", "--port", "{port}"]
    # The example runs on djwsgi's minimal settings, as a user's would without a project.
    with LiveServer(argv, tmp_path, env={"DJANGO_SETTINGS_MODULE": ""}) as server:
        home = fetch(server.url + "/")
        assert home.text == "Pyramid here; Django says hello at /django/hello/pyramid/\n"
        hello = fetch(server.url + "/django/hello/pyramid/")
        assert hello.status == 200
        assert hello.text == (
            "Hello pyramid, from Django at /django/hello/pyramid/; Pyramid's home is /\n"
        )
    assert f"Serving on {server.url}/" in server.log()
    assert "minimal Django settings" in server.log()


def test_pattern_with_placeholders(validated: Callable[..., Any]) -> None:
    config = Configurator()
    config.include("djwsgi.pyramid")
    config.add_django_app("tenant", "/{tenant}/legacy", "tests.apps.django_in_pyramid_urls")
    app = TestApp(validated(config.make_wsgi_app()))
    assert app.get("/acme/legacy/x/a").text == "/acme/legacy|/x/a|/acme/legacy/"
    from pyramid.request import Request

    request = Request.blank("/")
    request.registry = config.registry
    assert request.route_path("tenant", tenant="acme", subpath="/x/") == "/acme/legacy/x/"
