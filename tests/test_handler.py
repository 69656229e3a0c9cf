"""djwsgi.wsgi_application: a Django view, pattern list or URLconf as a WSGI application
(DESIGN §2): targets, error pages, mount prefixes, threads, the admin, nesting, signals,
close(), middleware, Content-Length and the errors that name the culprit."""

from __future__ import annotations

import http.client
import io
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import FileWrapper, setup_testing_defaults
from wsgiref.validate import validator

import pytest
import waitress
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, JsonResponse
from django.test import override_settings
from django.urls import get_script_prefix, get_urlconf, path, reverse
from paste.urlmap import URLMap
from waitress import wasyncore
from webtest import TestApp

import djwsgi
import tests.handler_urls
from djwsgi import ConfigurationError, wsgi_application
from tests.handler_urls import Hello, echo_path

STAMP = "tests.handler_urls.StampMiddleware"


# -- helpers -------------------------------------------------------------------------------


@dataclass
class Result:
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[0] if values else None

    @property
    def code(self) -> int:
        return int(self.status.split()[0])


def call(app: Any, path_info: str = "/", *, method: str = "GET", **extra: Any) -> Result:
    """One request through ``validator(app)``: reads the body, then closes the iterable."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(b""),
        **extra,
    }
    setup_testing_defaults(environ)
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None

    body = validator(app)(environ, start_response)
    try:
        data = b"".join(body)
    finally:
        body.close()
    return Result(started[0], started[1], data)


def urlmap(**mounts: Any) -> URLMap:
    """A Paste URLMap of validated apps: ``urlmap(a=app)`` mounts *app* at ``/a``."""
    mapping = URLMap()
    for prefix, app in mounts.items():
        mapping["/" + prefix] = validator(app)
    return mapping


def webtest(app: Any) -> TestApp:
    return TestApp(validator(app), extra_environ={"HTTP_HOST": "testserver"})


@contextmanager
def waitress_thread(app: Any, threads: int = 4) -> Iterator[tuple[str, int]]:
    """A real waitress server in this process on a free 127.0.0.1 port, always stopped."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    runner = threading.Thread(target=server.run, name="waitress", daemon=True)
    runner.start()
    try:
        yield "127.0.0.1", server.effective_port
    finally:
        # Close every socket from inside the loop, which then ends (its map is empty).
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The loop's wake-up pipe was closed under it (seen once in a full run, EBADF):
            # close the sockets from here, and the loop still ends.
            wasyncore.close_all(server._map)
        runner.join(10)
        server.task_dispatcher.shutdown(timeout=10)
        assert not runner.is_alive()


def fetch(
    address: tuple[str, int],
    target: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.msg, response.read()
    finally:
        conn.close()


@contextmanager
def count_signals() -> Iterator[dict[str, int]]:
    counts = {"started": 0, "finished": 0}
    lock = threading.Lock()

    def started(**kwargs: Any) -> None:
        with lock:
            counts["started"] += 1

    def finished(**kwargs: Any) -> None:
        with lock:
            counts["finished"] += 1

    signals.request_started.connect(started, weak=False)
    signals.request_finished.connect(finished, weak=False)
    try:
        yield counts
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)


# -- targets -------------------------------------------------------------------------------


def test_single_view_answers_every_path_under_its_mount() -> None:
    app = webtest(urlmap(v=wsgi_application(echo_path, middleware=[])))
    assert app.get("/v/").text == "GET /v/"
    assert app.get("/v/a/b/c.txt").text == "GET /v/a/b/c.txt"
    assert app.post("/v/form").text == "POST /v/form"
    app.get("/elsewhere", status=404)  # the urlmap's, not the view's


def test_urlconf_routes_and_answers_404_for_the_rest() -> None:
    app = webtest(urlmap(u=wsgi_application("tests.handler_urls")))
    assert app.get("/u/where/").json["path_info"] == "/where/"
    assert app.get("/u/hello/x").text == "class-based at /u/hello/x"
    app.get("/u/", status=404)
    app.get("/u/nowhere/", status=404)
    # CommonMiddleware (settings.MIDDLEWARE) appends the slash, under the mount point.
    assert app.get("/u/where", status=301).headers["Location"] == "/u/where/"


def test_class_based_view_as_view() -> None:
    app = webtest(urlmap(cbv=wsgi_application(Hello.as_view(), middleware=[])))
    assert app.get("/cbv/any/deep/path").text == "class-based at /cbv/any/deep/path"
    app.delete("/cbv/x", status=405)


@pytest.mark.parametrize(
    ("target", "path_info", "expected"),
    [
        pytest.param(
            tests.handler_urls, "/hello/m", b"class-based at /hello/m", id="module object"
        ),
        pytest.param("tests.handler_urls", "/hello/s", b"class-based at /hello/s", id="pkg.urls"),
        pytest.param(
            "tests.handler_urls:urlpatterns",
            "/hello/p",
            b"class-based at /hello/p",
            id="pkg.mod:list",
        ),
        pytest.param(
            "tests.handler_urls:other_patterns", "/other/", b"GET /other/", id="pkg.mod:other list"
        ),
        pytest.param("tests.handler_urls:echo_path", "/any/x", b"GET /any/x", id="pkg.mod:view"),
        pytest.param(
            tests.handler_urls.other_patterns, "/other/", b"GET /other/", id="pattern list"
        ),
    ],
)
def test_targets(target: Any, path_info: str, expected: bytes) -> None:
    result = call(wsgi_application(target), path_info)
    assert (result.code, result.body) == (200, expected)


def test_pattern_list_from_a_dotted_string_gives_404_outside_it() -> None:
    assert call(wsgi_application("tests.handler_urls:other_patterns"), "/where/").code == 404


# -- error pages ---------------------------------------------------------------------------


def test_debug_off_500_has_no_traceback() -> None:
    result = call(wsgi_application("tests.handler_urls"), "/boom/")
    assert result.code == 500
    assert b"handler-test-secret-detail" not in result.body
    assert b"Traceback" not in result.body
    assert b"Server Error (500)" in result.body


def test_debug_on_500_is_the_technical_page() -> None:
    with override_settings(DEBUG=True):
        result = call(wsgi_application("tests.handler_urls"), "/boom/", HTTP_ACCEPT="text/html")
    assert result.code == 500
    assert b"RuntimeError" in result.body
    assert b"handler-test-secret-detail" in result.body
    assert b"Traceback" in result.body


def test_debug_on_404_lists_the_targets_patterns() -> None:
    with override_settings(DEBUG=True):
        result = call(wsgi_application("tests.handler_urls:other_patterns"), "/missing/")
    assert result.code == 404
    assert b"other/" in result.body  # the technical 404 lists the tried patterns


# -- mount prefixes --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/a", "/b/deeper"])
def test_urls_carry_the_mount_prefix(prefix: str) -> None:
    urlconf = wsgi_application("tests.handler_urls")
    app = webtest(urlmap(a=urlconf, **{"b/deeper": urlconf}))
    data = app.get(f"{prefix}/where/").json
    assert data["reverse"] == data["reverse_again"] == f"{prefix}/where/"
    assert data["script_prefix"] == f"{prefix}/"
    assert data["absolute"] == f"http://testserver{prefix}/where/"
    assert data["absolute_reverse"] == f"http://testserver{prefix}/go/"
    redirect = app.get(f"{prefix}/go/", status=302)
    assert redirect.headers["Location"] == f"{prefix}/where/"
    assert f'<a href="{prefix}/where/">' in app.get(f"{prefix}/links/").text


@pytest.mark.live
def test_same_urlconf_at_two_mounts_under_threads_never_cross_talks() -> None:
    """8 client threads x 150 requests against a real waitress with 8 worker threads."""
    urlconf = "tests.handler_urls"
    app = urlmap(a=wsgi_application(urlconf), b=wsgi_application(urlconf))
    errors: list[str] = []

    def client(address: tuple[str, int], n: int) -> None:
        conn = http.client.HTTPConnection(*address, timeout=10)
        try:
            for i in range(150):
                prefix = "/a" if (i + n) % 2 else "/b"
                conn.request("GET", f"{prefix}/where/")
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    errors.append(f"{prefix}: {response.status}")
                    continue
                data = json.loads(body)
                if not data["reverse"] == data["reverse_again"] == f"{prefix}/where/":
                    errors.append(f"{prefix}: {data}")
        except Exception as exc:  # reported below, in the test's thread
            errors.append(repr(exc))
        finally:
            conn.close()

    with waitress_thread(app, threads=8) as address:
        clients = [threading.Thread(target=client, args=(address, n)) for n in range(8)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
        assert not any(thread.is_alive() for thread in clients)
    assert errors == []


# -- the admin under a prefix, over HTTP -------------------------------------------------


def _cookies(message: http.client.HTTPMessage) -> dict[str, Any]:
    jar: SimpleCookie = SimpleCookie()
    for header in message.get_all("Set-Cookie") or []:
        jar.load(header)
    return dict(jar)


@pytest.mark.live
@pytest.mark.usefixtures("django_db")
def test_admin_login_under_a_urlmap_prefix() -> None:
    from django.contrib.auth import get_user_model

    username, password = f"admin-{uuid.uuid4().hex[:8]}", "correct horse"
    get_user_model().objects.create_superuser(username=username, email="", password=password)
    app = urlmap(site=wsgi_application("tests.urls"))
    with waitress_thread(app) as address:
        status, headers, _ = fetch(address, "/site/admin/")
        assert status == 302
        assert headers["Location"] == "/site/admin/login/?next=/site/admin/"

        status, headers, body = fetch(address, headers["Location"])
        assert status == 200
        page = body.decode()
        assert 'action="/site/admin/login/?next=/site/admin/"' in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        csrf = _cookies(headers)["csrftoken"]

        form = {
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": password,
            "next": "/site/admin/",
        }
        status, headers, body = fetch(
            address,
            "/site/admin/login/?next=/site/admin/",
            method="POST",
            body=urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf.value}",
            },
        )
        assert status == 302, body.decode()
        assert headers["Location"] == "/site/admin/"
        session = _cookies(headers)["sessionid"]
        assert "/site/admin/".startswith(session["path"])

        status, headers, body = fetch(
            address,
            "/site/admin/",
            headers={"Cookie": f"sessionid={session.value}; csrftoken={csrf.value}"},
        )
        assert status == 200
        page = body.decode()
        assert "Site administration" in page
        assert 'href="/site/admin/auth/user/"' in page
        assert 'action="/site/admin/logout/"' in page


# -- nesting ---------------------------------------------------------------------------------


INNER = wsgi_application("tests.handler_urls")


def outer_calls_inner(request: HttpRequest) -> JsonResponse:
    """Calls INNER twice from inside this request, then reports its own URLs."""
    before = (reverse("outer"), get_script_prefix())
    inner = []
    for _ in range(2):
        inner_request = djwsgi.to_webob_request(request)
        inner_request.script_name += "/inner"
        inner_request.path_info = "/where/"
        inner.append(inner_request.get_response(validator(INNER)).json["reverse"])
    return JsonResponse(
        {
            "before": before,
            "after": (reverse("outer"), get_script_prefix()),
            "urlconf_kept": get_urlconf() is request.urlconf,
            "inner": inner,
        }
    )


OUTER = wsgi_application(
    [path("outer/", outer_calls_inner, name="outer"), djwsgi.mount("inner/", INNER)]
)


def test_nested_call_from_a_view_keeps_the_outer_urls_and_signals() -> None:
    app = webtest(urlmap(o=OUTER))
    with count_signals() as counts:
        data = app.get("/o/outer/").json
    assert data["inner"] == ["/o/inner/where/", "/o/inner/where/"]
    assert data["before"] == data["after"] == ["/o/outer/", "/o/"]
    assert data["urlconf_kept"] is True
    assert counts == {"started": 1, "finished": 1}


@pytest.mark.parametrize(
    ("target", "body"),
    [
        pytest.param("/o/inner/where/", b'"reverse": "/o/inner/where/"', id="plain"),
        pytest.param("/o/inner/stream/", b"one two three", id="streaming"),
    ],
)
def test_mounted_inside_a_django_request_fires_signals_once(target: str, body: bytes) -> None:
    closes = len(tests.handler_urls.STREAM_CLOSES)
    app = webtest(urlmap(o=OUTER))
    with count_signals() as counts:
        assert body in app.get(target).body
    assert counts == {"started": 1, "finished": 1}
    if "stream" in target:
        assert len(tests.handler_urls.STREAM_CLOSES) == closes + 1
    # A next request in this thread is a top-level one again, with its own prefix.
    assert webtest(urlmap(x=INNER)).get("/x/where/").json["reverse"] == "/x/where/"


@pytest.mark.parametrize(
    ("target", "prefix"),
    [
        pytest.param("/o/inner/lazy/", "/o/inner", id="nested"),
        pytest.param("/x/lazy/", "/x", id="top"),
    ],
)
def test_streaming_body_reverses_lazily_under_its_own_prefix(target: str, prefix: str) -> None:
    app = webtest(urlmap(o=OUTER, x=INNER))
    assert (
        app.get(target).text == f"{prefix}/where/ under {prefix}/\n{prefix}/go/ under {prefix}/\n"
    )


# -- signals and close() -----------------------------------------------------------------


def test_request_finished_once_and_streaming_close_reached() -> None:
    app = wsgi_application("tests.handler_urls")
    closes = len(tests.handler_urls.STREAM_CLOSES)
    with count_signals() as counts:
        result = call(app, "/stream/")
        assert counts == {"started": 1, "finished": 1}
        call(app, "/where/")
        assert counts == {"started": 2, "finished": 2}
    assert result.body == b"one two three"
    assert result.header("Content-Length") is None
    assert len(tests.handler_urls.STREAM_CLOSES) == closes + 1


def test_file_response_closed_through_wsgi_file_wrapper() -> None:
    app = wsgi_application("tests.handler_urls")
    opened = tests.handler_urls.OPENED_FILES
    with count_signals() as counts:
        result = call(app, "/file/", **{"wsgi.file_wrapper": FileWrapper})
    assert result.body.startswith(b'"""Views and a URLconf')
    assert opened[-1].closed
    assert counts == {"started": 1, "finished": 1}


@pytest.mark.live
def test_file_response_under_waitress() -> None:
    opened = tests.handler_urls.OPENED_FILES
    with (
        count_signals() as counts,
        waitress_thread(urlmap(f=wsgi_application("tests.handler_urls"))) as address,
    ):
        status, headers, body = fetch(address, "/f/file/")
        assert status == 200
        assert body.startswith(b'"""Views and a URLconf')
        assert int(headers["Content-Length"]) == len(body)
    assert opened[-1].closed
    assert counts == {"started": 1, "finished": 1}


# -- middleware ------------------------------------------------------------------------------


def test_middleware_list_is_exactly_that_chain_and_others_keep_settings() -> None:
    stamped = wsgi_application(echo_path, middleware=[STAMP])
    default = wsgi_application(echo_path)
    plain_django = WSGIHandler()  # built after `stamped`: settings.MIDDLEWARE, untouched
    result = call(stamped, "/")
    assert result.header("X-Stamp") == "djwsgi"
    assert result.header("X-Content-Type-Options") is None  # no SecurityMiddleware
    for app in (default, plain_django, stamped):
        result = call(app, "/")
        if app is stamped:
            assert result.header("X-Stamp") == "djwsgi"
        else:
            assert result.header("X-Stamp") is None
            assert result.header("X-Content-Type-Options") == "nosniff"


def test_middleware_none_uses_settings_middleware() -> None:
    with override_settings(MIDDLEWARE=[STAMP]):
        result = call(wsgi_application(echo_path, middleware=None), "/")
    assert result.header("X-Stamp") == "djwsgi"
    assert result.header("X-Content-Type-Options") is None


def test_empty_middleware_list_means_none() -> None:
    result = call(wsgi_application(echo_path, middleware=[]), "/")
    assert result.header("X-Content-Type-Options") is None
    assert result.header("X-Stamp") is None


def test_middleware_may_choose_another_urlconf() -> None:
    middleware = ["tests.handler_urls.ProjectUrlconfMiddleware"]
    app = webtest(urlmap(p=wsgi_application(echo_path, middleware=middleware)))
    assert app.get("/p/").text == "home at /p/"  # tests.urls's home view, reverse()d
    app.get("/p/anything", status=404)  # echo_path would have answered


# -- Content-Length --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path_info", "code", "length"),
    [
        pytest.param("/where/", 200, True, id="200"),
        pytest.param("/boom/", 500, True, id="500"),
        pytest.param("/nowhere/", 404, True, id="404"),
        pytest.param("/go/", 302, True, id="302"),
        pytest.param("/empty/", 204, False, id="204"),
        pytest.param("/unchanged/", 304, False, id="304"),
        pytest.param("/stream/", 200, False, id="streaming"),
    ],
)
def test_content_length_without_common_middleware(path_info: str, code: int, length: bool) -> None:
    result = call(wsgi_application("tests.handler_urls", middleware=[]), path_info)
    assert result.code == code
    if length:
        assert result.header("Content-Length") == str(len(result.body))
    else:
        assert result.header("Content-Length") is None


# -- errors name the culprit ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "culprit"),
    [
        pytest.param("tests.no_such_module", "'tests.no_such_module'", id="module missing"),
        pytest.param("no_such_package.urls", "'no_such_package.urls'", id="package missing"),
        pytest.param("tests.handler_urls:nope", "'nope'", id="attribute missing"),
        pytest.param("tests.handler_urls:", "'tests.handler_urls:'", id="empty attribute"),
        pytest.param("tests/handler_urls.py", "'tests/handler_urls.py'", id="file path"),
        pytest.param(42, "42", id="int"),
        pytest.param(Hello, "Hello.as_view()", id="class-based view class"),
        pytest.param(tests.handler_urls.CountedChunks, "CountedChunks", id="other class"),
        pytest.param(__import__("tests.servers").servers, "'tests.servers'", id="no urlpatterns"),
        pytest.param("tests.servers", "'tests.servers'", id="dotted, no urlpatterns"),
        pytest.param(
            [path("x/", echo_path), "oops"], "'oops' is not a URL pattern", id="non-pattern item"
        ),
        pytest.param(
            "tests.handler_urls:STREAM_CLOSES", "tests.handler_urls:STREAM_CLOSES", id="bad list"
        ),
    ],
)
def test_bad_targets_name_the_culprit(target: Any, culprit: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        # Construction locates the module; the rest is checked once Django is set up.
        call(wsgi_application(target), "/")
    assert culprit in str(caught.value)


@pytest.mark.parametrize(
    "middleware",
    [
        pytest.param("tests.handler_urls.NoSuchMiddleware", id="attribute missing"),
        pytest.param("tests.no_such_module.Middleware", id="module missing"),
    ],
)
def test_bad_middleware_path_names_it(middleware: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(middleware)):
        call(wsgi_application(echo_path, middleware=[middleware]), "/")


def test_middleware_must_be_a_list_of_paths() -> None:
    with pytest.raises(ConfigurationError, match="expected a list of dotted paths"):
        wsgi_application(echo_path, middleware=STAMP)  # type: ignore[arg-type]


def test_configuration_error_is_improperly_configured() -> None:
    from django.core.exceptions import ImproperlyConfigured

    assert issubclass(ConfigurationError, ImproperlyConfigured)
