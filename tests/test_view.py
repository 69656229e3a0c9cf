"""``djwsgi.django_view`` and ``djwsgi.mount``: URL matching, the path shift, the WSGI
protocol as a caller must honour it (lazy apps, ``write()``, ``exc_info``) and the
app's iterable closed exactly once whatever happens.

Apps here are plain WSGI functions (the protocol cases need exact control); real
frameworks are in ``test_foreign_apps.py``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any
from wsgiref.validate import validator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import include, path, re_path, reverse
from webtest import TestApp

import djwsgi
from djwsgi.environ import WSGIProtocolError
from tests.conftest import CloseCounter

TEXT = [("Content-Type", "text/plain")]


def where(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers with the SCRIPT_NAME and PATH_INFO it got (as JSON of the PEP 3333 strings)."""
    start_response("200 OK", [("Content-Type", "application/json")])
    body = {"script_name": environ["SCRIPT_NAME"], "path_info": environ["PATH_INFO"]}
    return [json.dumps(body).encode()]


def serve(patterns: list[Any], *, middleware: list[str] | None = None, **extra: Any) -> TestApp:
    application = djwsgi.wsgi_application(patterns, middleware=middleware or [])
    return TestApp(validator(application), extra_environ=extra)


def shifted(app: TestApp, url: str, status: int = 200) -> tuple[str, str] | None:
    res = app.get(url, status=status)
    if status != 200:
        return None
    return res.json["script_name"], res.json["path_info"]


# --- mount(): matching on a segment boundary ------------------------------------------------


@pytest.mark.parametrize("prefix", ["flask/", "flask", "/flask/", "/flask"])
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("/flask", ("/flask", ""), id="bare prefix"),
        pytest.param("/flask/", ("/flask", "/"), id="prefix slash"),
        pytest.param("/flask/a", ("/flask", "/a"), id="one segment"),
        pytest.param("/flask/a/b/", ("/flask", "/a/b/"), id="deeper"),
        pytest.param("/flask//a", ("/flask", "//a"), id="double slash"),
        pytest.param("/flaskfoo", None, id="never flaskfoo"),
        pytest.param("/flaskfoo/a", None, id="never flaskfoo/"),
        pytest.param("/fla", None, id="shorter"),
    ],
)
def test_mount_matches_on_a_segment_boundary(
    prefix: str, url: str, expected: tuple[str, str] | None
) -> None:
    app = serve([djwsgi.mount(prefix, validator(where))])
    assert shifted(app, url, status=200 if expected else 404) == expected


@pytest.mark.parametrize("script_name", ["", "/site"])
@pytest.mark.parametrize(
    ("url", "expected"),
    [("/", ""), ("/a", "/a"), ("/a/b/", "/a/b/")],
)
def test_mount_at_root(script_name: str, url: str, expected: str) -> None:
    app = serve([djwsgi.mount("", validator(where))], SCRIPT_NAME=script_name)
    assert shifted(app, url) == (script_name, expected or "/")


def test_mount_under_outer_script_name() -> None:
    app = serve([djwsgi.mount("flask/", validator(where))], SCRIPT_NAME="/site")
    assert shifted(app, "/flask/a") == ("/site/flask", "/a")
    assert shifted(app, "/flask") == ("/site/flask", "")


def test_mount_inside_include() -> None:
    inner = [djwsgi.mount("app/", validator(where), name="app"), djwsgi.mount("", validator(where))]
    app = serve([path("outer/", include(inner))])
    assert shifted(app, "/outer/app/x") == ("/outer/app", "/x")
    assert shifted(app, "/outer/app") == ("/outer/app", "")
    assert shifted(app, "/outer/other") == ("/outer", "/other")
    assert shifted(app, "/outer/appfoo") == ("/outer", "/appfoo")


def test_mount_name_reverses_with_path_info() -> None:
    def urls(request: HttpRequest) -> HttpResponse:
        found = [
            reverse("app", kwargs={"path_info": "/x"}),
            reverse("app", kwargs={"path_info": ""}),
            reverse("app", kwargs={"path_info": "/a b/c"}),
            reverse("ns:inner", kwargs={"path_info": "/y"}),
        ]
        return HttpResponse(" ".join(found), content_type="text/plain")

    inner = ([djwsgi.mount("inner", validator(where), name="inner")], "ns")
    app = serve(
        [
            path("urls/", urls),
            djwsgi.mount("app/", validator(where), name="app"),
            path("sub/", include(inner)),
        ],
        SCRIPT_NAME="/site",
    )
    assert app.get("/urls/").text == "/site/app/x /site/app /site/app/a%20b/c /site/sub/inner/y"
    assert shifted(app, "/sub/inner/y") == ("/site/sub/inner", "/y")


def test_mount_prefix_with_non_ascii_and_pep3333_strings() -> None:
    app = serve([djwsgi.mount("café/", validator(where))])
    res = app.get("/caf%C3%A9/na%C3%AFve")
    assert (res.json["script_name"], res.json["path_info"]) == (
        "/café".encode().decode("latin-1"),
        "/naïve".encode().decode("latin-1"),
    )


def test_mount_refuses_a_non_string_prefix() -> None:
    with pytest.raises(djwsgi.ConfigurationError, match="prefix"):
        djwsgi.mount(b"x", where)  # type: ignore[arg-type]


def test_django_view_refuses_a_non_callable() -> None:
    with pytest.raises(djwsgi.ConfigurationError, match="not a WSGI application"):
        djwsgi.django_view("app")  # type: ignore[arg-type]


# --- django_view() in a plain re_path --------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/wiki/", ("/wiki", "/")), ("/wiki/a/b", ("/wiki", "/a/b")), ("/wiki/caf%C3%A9", None)],
)
def test_plain_re_path_with_path_info(url: str, expected: tuple[str, str] | None) -> None:
    app = serve([re_path(r"^wiki/(?P<path_info>.*)$", djwsgi.django_view(validator(where)))])
    if expected is None:
        expected = ("/wiki", "/café".encode().decode("latin-1"))
    assert shifted(app, url) == expected


def test_without_path_info_nothing_shifts() -> None:
    app = serve([path("fixed/<int:n>/", djwsgi.django_view(validator(where)))], SCRIPT_NAME="/s")
    assert shifted(app, "/fixed/3/") == ("/s", "/fixed/3/")


def test_capture_not_at_the_end_is_a_configuration_error() -> None:
    view = djwsgi.django_view(where)
    request = RequestFactory().get("/wiki/a/b")
    with pytest.raises(djwsgi.ConfigurationError, match="wiki"):
        view(request, path_info="a")


def test_view_keeps_the_apps_name_and_is_csrf_exempt_by_default() -> None:
    view = djwsgi.django_view(where)
    assert view.__name__ == "where"
    assert view.__wrapped__ is where  # type: ignore[attr-defined]
    assert view.csrf_exempt is True  # type: ignore[attr-defined]
    assert not hasattr(djwsgi.django_view(where, csrf_exempt=False), "csrf_exempt")


# --- response conversion seen from a view -----------------------------------------------------


def test_no_content_type_is_invented() -> None:
    def bare(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-A", "1")])
        return [b"raw"]

    response = djwsgi.django_view(bare)(RequestFactory().get("/"))
    assert not response.has_header("Content-Type")
    assert response["X-A"] == "1"
    assert response.content == b"raw"


def test_list_result_becomes_a_response_with_content_length() -> None:
    def listed(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", TEXT)
        return [b"a", b"bc"]

    res = serve([djwsgi.mount("l", validator(listed))]).get("/l")
    assert res.headers["Content-Length"] == "3"
    assert res.body == b"abc"
    response = djwsgi.django_view(listed)(RequestFactory().get("/"))
    assert not response.streaming


# --- the WSGI protocol, as a caller ------------------------------------------------------------


def test_lazy_generator_app_starts_on_first_next() -> None:
    def lazy(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("202 Later", [("Content-Type", "text/plain"), ("X-Lazy", "yes")])
        yield b""
        yield b"one "
        yield b"two"

    res = serve([djwsgi.mount("lazy", validator(lazy))]).get("/lazy", status=202)
    assert res.status == "202 Later"
    assert res.headers["X-Lazy"] == "yes"
    assert res.body == b"one two"


def test_empty_generator_app() -> None:
    def empty(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        yield from ()

    res = serve([djwsgi.mount("e", validator(empty))]).get("/e")
    assert res.body == b""
    assert res.headers["Content-Length"] == "0"


def test_write_callable() -> None:
    def writer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("200 OK", TEXT)
        write(b"written ")
        write(b"then ")
        return [b"returned"]

    res = serve([djwsgi.mount("w", validator(writer))]).get("/w")
    assert res.body == b"written then returned"


def test_write_callable_with_a_generator_keeps_order() -> None:
    def writer(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        write = start_response("200 OK", TEXT)
        write(b"1")
        yield b"2"
        write(b"3")
        yield b"4"

    assert serve([djwsgi.mount("w", validator(writer))]).get("/w").body == b"1234"


def test_exc_info_replaces_the_status_before_the_first_chunk() -> None:
    def failing(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [*TEXT, ("X-First", "1")])
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("503 Try Later", [*TEXT, ("X-Second", "1")], sys.exc_info())
        yield b"sorry"

    res = serve([djwsgi.mount("f", validator(failing))]).get("/f", status=503)
    assert res.status == "503 Try Later"
    assert res.body == b"sorry"
    assert "X-First" not in res.headers
    assert res.headers["X-Second"] == "1"


def test_exc_info_after_the_first_chunk_re_raises(close_counter: CloseCounter) -> None:
    closes = []

    class Body:
        def __init__(self, start_response: Any) -> None:
            self.start_response = start_response
            self.step = 0

        def __iter__(self) -> Body:
            return self

        def __next__(self) -> bytes:
            self.step += 1
            if self.step == 1:
                return b"first"
            try:
                raise ValueError("late failure")
            except ValueError:
                self.start_response("500 Error", TEXT, sys.exc_info())
            raise AssertionError("start_response should have raised")

        def close(self) -> None:
            closes.append(1)

    def late(environ: dict[str, Any], start_response: Any) -> Body:
        start_response("200 OK", TEXT)
        return Body(start_response)

    with pytest.raises(ValueError, match="late failure"):
        serve([djwsgi.mount("late", validator(late))]).get("/late")
    assert closes == [1]


def test_second_start_response_without_exc_info_is_an_error() -> None:
    def twice(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", TEXT)
        start_response("200 OK", TEXT)
        return [b""]

    with pytest.raises(WSGIProtocolError, match="twice|second time"):
        djwsgi.django_view(twice)(RequestFactory().get("/"))


@pytest.mark.parametrize("late", [False, True], ids=["first chunk", "later chunk"])
def test_str_chunks_are_an_error_naming_the_app(late: bool) -> None:
    def stringy(environ: dict[str, Any], start_response: Any) -> Iterator[Any]:
        start_response("200 OK", TEXT)
        if late:
            yield b"fine"
        yield "not bytes"

    view = djwsgi.django_view(stringy)
    with pytest.raises(WSGIProtocolError, match=r"tests\.test_view\..*stringy.*str"):
        response = view(RequestFactory().get("/"))
        b"".join(response)  # type: ignore[attr-defined]


def test_str_in_a_list_result_is_an_error_naming_the_app() -> None:
    def stringy(environ: dict[str, Any], start_response: Any) -> list[Any]:
        start_response("200 OK", TEXT)
        return ["text"]

    with pytest.raises(WSGIProtocolError, match="stringy"):
        djwsgi.django_view(stringy)(RequestFactory().get("/"))
    app = serve([djwsgi.mount("s", stringy)])  # not validated inside: it breaks PEP 3333
    assert app.get("/s", status=500).status_int == 500


def test_bad_status_and_headers_name_the_app() -> None:
    def bad(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("OK", TEXT)
        return [b""]

    with pytest.raises(WSGIProtocolError, match=r"bad.*'OK'"):
        djwsgi.django_view(bad)(RequestFactory().get("/"))


def test_app_that_never_starts_is_an_error() -> None:
    def silent(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return [b"x"]

    with pytest.raises(WSGIProtocolError, match="silent.*start_response"):
        djwsgi.django_view(silent)(RequestFactory().get("/"))


# --- close() exactly once ---------------------------------------------------------------------


def test_close_once_after_a_full_read(close_counter: CloseCounter) -> None:
    app = serve([djwsgi.mount("c", validator(close_counter.app([b"a", b"b"])))])
    assert app.get("/c").body == b"ab"
    assert close_counter.closes == [1]


def test_close_once_on_head(close_counter: CloseCounter) -> None:
    app = serve([djwsgi.mount("c", validator(close_counter.app([b"a", b"b"])))])
    res = app.head("/c")
    assert res.body == b""
    assert close_counter.closes == [1]


class _Raising:
    """An app iterable that fails on its *fail_at*-th step; counts closes."""

    def __init__(
        self, fail_at: int, start_response: Any | None = None, headers: Any = TEXT
    ) -> None:
        self.fail_at = fail_at
        self.headers = headers
        self.start_response = start_response
        self.step = 0
        self.closes = 0

    def __iter__(self) -> _Raising:
        return self

    def __next__(self) -> bytes:
        self.step += 1
        if self.step == 1 and self.start_response is not None:
            self.start_response("200 OK", self.headers)  # lazy: starts on the first step
        if self.step >= self.fail_at:
            raise RuntimeError(f"app failed at step {self.step}")
        return b"chunk"

    def close(self) -> None:
        self.closes += 1


def test_close_once_when_the_app_raises_before_start_response() -> None:
    bodies: list[_Raising] = []

    def app(environ: dict[str, Any], start_response: Any) -> _Raising:
        bodies.append(_Raising(fail_at=1, start_response=start_response))
        return bodies[-1]

    res = serve([djwsgi.mount("r", validator(app))]).get("/r", status=500)
    assert b"app failed" not in res.body  # DEBUG is off: no traceback
    assert [b.closes for b in bodies] == [1]


def test_app_raising_in_its_call_gets_djangos_500() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("secret detail")

    res = serve([djwsgi.mount("r", validator(app))]).get("/r", status=500)
    assert b"secret detail" not in res.body


def test_close_once_when_the_app_raises_mid_iteration() -> None:
    bodies: list[_Raising] = []

    def app(environ: dict[str, Any], start_response: Any) -> _Raising:
        start_response("200 OK", TEXT)
        bodies.append(_Raising(fail_at=3))
        return bodies[-1]

    with pytest.raises(RuntimeError, match="step 3"):
        serve([djwsgi.mount("r", validator(app))]).get("/r")
    assert [b.closes for b in bodies] == [1]


def test_close_once_when_a_middleware_fails_after_the_view(close_counter: CloseCounter) -> None:
    app = serve(
        [djwsgi.mount("c", validator(close_counter.app([b"a", b"b"])))],
        middleware=["tests.bridge_middleware.FailAfterView"],
    )
    res = app.get("/c", status=500)
    assert b"ab" not in res.body
    assert close_counter.closes == [1]


def test_close_once_when_the_response_is_closed_twice(close_counter: CloseCounter) -> None:
    view = djwsgi.django_view(close_counter.app([b"a"]))
    request = RequestFactory().get("/")
    response = view(request)
    assert response.streaming
    response.close()
    response.close()
    request.close()
    assert close_counter.closes == [1]


def test_close_once_when_the_headers_are_refused() -> None:
    bodies: list[_Raising] = []

    def app(environ: dict[str, Any], start_response: Any) -> _Raising:
        bodies.append(_Raising(99, start_response, headers=[("X-Bad", "a\nb")]))
        return bodies[-1]

    serve([djwsgi.mount("r", app)]).get("/r", status=500)  # a validator would refuse first
    assert [b.closes for b in bodies] == [1]


def test_routing_args_come_from_the_django_match() -> None:
    def routing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        args, kwargs = environ["wsgiorg.routing_args"]
        return [json.dumps([list(args), kwargs]).encode()]

    app = serve([re_path(r"^r/(?P<slug>\w+)/(?P<path_info>.*)$", djwsgi.django_view(routing))])
    assert app.get("/r/abc/rest").json == [[], {"slug": "abc"}]


# --- Django's cache in front of a mounted app -------------------------------------------------


def test_cache_page_serves_a_mounted_app_s_answer_again_as_the_app_gave_it() -> None:
    """Django's cache pickles the bridge's response and gives it back: status, reason,
    headers and body as the app sent them, and the app is not called the second time."""
    from django.core.cache import cache
    from django.views.decorators.cache import cache_page

    calls: list[str] = []

    def counted(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        calls.append(environ["PATH_INFO"])
        start_response(
            "200 From The App",
            [("Content-Type", "text/plain"), ("X-Twice", "a"), ("X-Twice", "b")],
        )
        return [b"the app's ", b"answer"]

    cache.clear()
    app = serve([re_path(r"^c(?P<path_info>/.*)$", cache_page(60)(djwsgi.django_view(counted)))])
    first = app.get("/c/page")
    again = app.get("/c/page")
    assert calls == ["/page"]
    for res in (first, again):
        assert res.status == "200 From The App"
        assert res.body == b"the app's answer"
        assert res.headers["X-Twice"] == "a, b"
        assert res.headers["Content-Type"] == "text/plain"
