"""The four WebOb converters on their own, and the round-trip properties the bridge
promises: any path reaches a mounted app as the original path, any header list comes
back out of Django as the app sent it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote_to_bytes
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
import webob
from django.contrib.auth.models import AnonymousUser, User
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webtest import TestApp

import djwsgi
from djwsgi.environ import WSGIProtocolError, to_wsgi_str

TEXT = [("Content-Type", "text/plain")]


class Counted:
    """A response iterable counting its ``close()`` and how many chunks were pulled."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = iter(chunks)
        self.pulled = 0
        self.closes = 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._chunks)
        self.pulled += 1
        return chunk

    def close(self) -> None:
        self.closes += 1


# --- to_webob_request ------------------------------------------------------------------------


def test_to_webob_request_builds_a_new_environ_and_leaves_meta_alone() -> None:
    request = RequestFactory().get(
        "/caf%C3%A9/x?q=1",
        SCRIPT_NAME="/site",
        REMOTE_USER="mallory",
        HTTP_REMOTE_USER="forged",
        CSRF_COOKIE="token",
        **{"webob.adhoc_attrs": {"a": 1}, "wsgiorg.routing_args": (("old",), {})},
    )
    request.user = AnonymousUser()
    before = dict(request.META)
    webob_request = djwsgi.to_webob_request(request)
    environ = webob_request.environ
    assert environ is not request.META
    assert before == request.META
    assert environ["PATH_INFO"] == to_wsgi_str("/café/x")
    assert environ["SCRIPT_NAME"] == "/site"
    assert webob_request.path == "/site/caf%C3%A9/x"
    assert webob_request.GET["q"] == "1"
    assert "REMOTE_USER" not in environ
    assert environ["HTTP_REMOTE_USER"] == "forged"
    assert "CSRF_COOKIE" not in environ
    assert "webob.adhoc_attrs" not in environ
    assert environ["wsgiorg.routing_args"] == ((), {})
    assert environ["djwsgi.request"] is request
    assert all(type(v) is str for k, v in environ.items() if k.isupper())


def test_to_webob_request_sets_remote_user_from_the_django_user() -> None:
    request = RequestFactory().get("/", REMOTE_USER="mallory")
    request.user = User(username="zoë")
    environ = djwsgi.to_webob_request(request).environ
    assert environ["REMOTE_USER"] == "zoë".encode().decode("latin-1")
    assert request.META["REMOTE_USER"] == "mallory"


def test_to_webob_request_streams_an_unread_body() -> None:
    request = RequestFactory().post("/", b"a" * 100_000, content_type="application/octet-stream")
    webob_request = djwsgi.to_webob_request(request)
    assert not isinstance(webob_request.environ["wsgi.input"], io.BytesIO)
    assert webob_request.environ["wsgi.input"].read(10) == b"a" * 10
    assert webob_request.environ["CONTENT_LENGTH"] == "100000"
    assert webob_request.environ["wsgi.input"].read() == b"a" * 99_990


def test_to_webob_request_after_django_read_the_body() -> None:
    request = RequestFactory().post(
        "/", "name=Zo%C3%AB", content_type="application/x-www-form-urlencoded"
    )
    assert request.POST["name"] == "Zoë"
    webob_request = djwsgi.to_webob_request(request)
    assert webob_request.POST["name"] == "Zoë"
    assert webob_request.body == request.body


def test_to_webob_request_after_django_streamed_a_multipart_body() -> None:
    upload = io.BytesIO(b"data")
    upload.name = "f.txt"
    request = RequestFactory().post("/", {"f": upload})
    assert request.FILES["f"].read() == b"data"
    environ = djwsgi.to_webob_request(request).environ
    with pytest.raises(RuntimeError, match="consumed by Django"):
        environ["wsgi.input"].read(10)
    with pytest.raises(RuntimeError, match="consumed by Django"):
        environ["wsgi.input"].readline()


def test_to_webob_request_get_response_round_trip_in_a_view() -> None:
    def wiki(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", TEXT)
        return [f"wiki {environ['PATH_INFO']}".encode()]

    def view(request: HttpRequest) -> Any:
        response = djwsgi.to_webob_request(request).get_response(validator(wiki))
        response.headers["X-Served-By"] = "wiki"
        return djwsgi.to_django_response(response)

    application = djwsgi.wsgi_application(view, middleware=[])
    res = TestApp(validator(application)).get("/page")
    assert res.text == "wiki /page"
    assert res.headers["X-Served-By"] == "wiki"


# --- to_django_request ------------------------------------------------------------------------


def test_to_django_request_is_a_working_wsgi_request() -> None:
    webob_request = webob.Request.blank(
        "/caf%C3%A9?q=1",
        method="POST",
        POST={"name": "Zoë"},
        environ={"SCRIPT_NAME": "/site"},
    )
    environ_before = dict(webob_request.environ)
    request = djwsgi.to_django_request(webob_request)
    assert isinstance(request, WSGIRequest)
    assert request.path == "/site/café"
    assert request.path_info == "/café"
    assert request.GET["q"] == "1"
    assert request.POST["name"] == "Zoë"
    assert request.build_absolute_uri() == "http://localhost:80/site/caf%C3%A9?q=1"
    assert webob_request.environ["PATH_INFO"] == environ_before["PATH_INFO"]


# --- to_webob_response ------------------------------------------------------------------------


def test_to_webob_response_keeps_status_reason_headers_and_cookies() -> None:
    response = HttpResponse(b"made", status=201, reason="Created Here", content_type="text/x")
    response["X-A"] = "1"
    response.set_cookie("a", "1", httponly=True, samesite="Lax")
    response.set_cookie("b", "2", secure=True, path="/p")
    webob_response = djwsgi.to_webob_response(response)
    assert webob_response.status == "201 Created Here"
    assert webob_response.headers["X-A"] == "1"
    assert webob_response.headers["Content-Type"] == "text/x"
    cookies = webob_response.headers.getall("Set-Cookie")
    assert cookies == [
        "a=1; HttpOnly; Path=/; SameSite=Lax",
        "b=2; Path=/p; Secure",
    ]
    assert webob_response.body == b"made"


def test_to_webob_response_streams_and_closes_the_django_response_once() -> None:
    inner = Counted([b"a", b"b", b"c"])
    response = StreamingHttpResponse(inner, content_type="text/plain")
    webob_response = djwsgi.to_webob_response(response)
    app_iter = webob_response.app_iter
    assert inner.pulled == 0
    assert next(iter(app_iter)) == b"a"
    assert inner.pulled == 1
    app_iter.close()
    app_iter.close()
    assert inner.closes == 1


def test_to_webob_response_as_a_wsgi_app_closes_once() -> None:
    inner = Counted([b"a", b"b"])
    webob_response = djwsgi.to_webob_response(StreamingHttpResponse(inner))
    res = TestApp(validator(webob_response)).get("/")
    assert res.body == b"ab"
    assert inner.closes == 1


# --- to_django_response -----------------------------------------------------------------------


def test_to_django_response_keeps_everything() -> None:
    webob_response = webob.Response(
        status="299 Odd But Fine",
        headerlist=[
            ("X-Multi", "1"),
            ("Set-Cookie", "a=1; Path=/; HttpOnly; SameSite=Strict"),
            ("x-multi", "2"),
            ("Location", "../up"),
            ("Set-Cookie", "a=2; Path=/other; Secure"),
        ],
        app_iter=[b"body"],
    )
    response = djwsgi.to_django_response(webob_response)
    assert (response.status_code, response.reason_phrase) == (299, "Odd But Fine")
    assert response["X-Multi"] == "1, 2"
    assert response["Location"] == "../up"
    assert not response.has_header("Content-Type")
    assert response.content == b"body"  # type: ignore[attr-defined]
    cookies = [c.output(header="") for c in response.cookies.values()]
    assert cookies == ["a=1; Path=/; HttpOnly; SameSite=Strict", "a=2; Path=/other; Secure"]


def test_to_django_response_streams_lazily_and_closes_once() -> None:
    inner = Counted([b"a", b"b", b"c"])
    webob_response = webob.Response(headerlist=list(TEXT), app_iter=inner)
    response = djwsgi.to_django_response(webob_response)
    assert response.streaming
    assert inner.pulled == 0
    assert b"".join(response) == b"abc"  # type: ignore[arg-type]
    response.close()
    response.close()
    assert inner.closes == 1


def test_to_django_response_refuses_header_injection_and_closes() -> None:
    inner = Counted([b"a"])
    webob_response = webob.Response(headerlist=[("X-A", "ok")], app_iter=inner)
    webob_response.headerlist.append(("X-Evil", "a\r\nSet-Cookie: x=1"))
    with pytest.raises(WSGIProtocolError, match="CR or LF"):
        djwsgi.to_django_response(webob_response)
    assert inner.closes == 1


def test_to_django_response_refuses_str_chunks() -> None:
    webob_response = webob.Response(headerlist=list(TEXT))
    webob_response.app_iter = ["text"]
    with pytest.raises(WSGIProtocolError, match="str chunk"):
        djwsgi.to_django_response(webob_response)


def test_a_raw_cookie_changed_by_django_becomes_a_normal_cookie() -> None:
    webob_response = webob.Response(
        headerlist=[*TEXT, ("Set-Cookie", "a=1; Path=/x; HttpOnly")], app_iter=[b""]
    )
    response = djwsgi.to_django_response(webob_response)
    response.cookies["a"]["secure"] = True
    assert response.cookies["a"].OutputString() == "a=1; HttpOnly; Path=/x; Secure"


# --- properties -------------------------------------------------------------------------------

_segment = st.text(
    st.characters(codec="utf-8", blacklist_categories=("Cs",), blacklist_characters="/"),
    min_size=1,
    max_size=6,
) | st.sampled_from([".", "..", "%", "%2F"])


def _where(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps([environ["SCRIPT_NAME"], environ["PATH_INFO"]]).encode()]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    outer=st.lists(_segment, max_size=2),
    prefix=st.lists(_segment, max_size=2),
    rest=st.lists(_segment, max_size=3),
    trailing=st.booleans(),
)
def test_any_path_reaches_the_app_whole(
    outer: list[str], prefix: list[str], rest: list[str], trailing: bool
) -> None:
    script_name = "".join("/" + s for s in outer)
    path_info = "".join("/" + s for s in [*prefix, *rest]) + ("/" if trailing or not rest else "")
    path_info = path_info if path_info.startswith("/") else "/" + path_info
    application = djwsgi.wsgi_application(
        [djwsgi.mount("/".join(prefix), validator(_where))], middleware=[]
    )
    # What a server does with the request line: percent-decode the path to bytes, then
    # hand them on as a latin-1 string.
    url = quote(path_info.encode("utf-8"), safe="/")
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["SCRIPT_NAME"] = to_wsgi_str(script_name)
    environ["QUERY_STRING"] = ""
    environ["PATH_INFO"] = unquote_to_bytes(url).decode("latin-1")
    chunks: list[bytes] = []
    status: list[str] = []
    result = validator(application)(environ, lambda s, h, e=None: status.append(s))
    try:
        chunks.extend(result)
    finally:
        result.close()  # type: ignore[attr-defined]
    assert status == ["200 OK"]
    res = webob.Response(body=b"".join(chunks))
    seen_script, seen_path = json.loads(res.body)
    assert seen_script + seen_path == to_wsgi_str(script_name + path_info)
    assert seen_script == to_wsgi_str(script_name + "".join("/" + s for s in prefix))
    assert seen_path == "" or seen_path.startswith("/")


_token = st.text(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    min_size=1,
    max_size=12,
)
_latin1 = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=20,
)
_header = st.one_of(
    st.tuples(_token.filter(lambda n: n.lower() != "set-cookie"), _latin1),
    st.tuples(st.sampled_from(["X-Rep", "x-rep", "Vary"]), _latin1),
    st.tuples(st.just("Set-Cookie"), _latin1),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_header, max_size=12))
def test_any_header_list_survives_to_django_response_and_back_to_wsgi(
    headers: list[tuple[str, str]],
) -> None:
    def view(request: HttpRequest) -> Any:
        return djwsgi.to_django_response(
            webob.Response(status="200 OK", headerlist=list(headers), app_iter=[b"x"])
        )

    application = djwsgi.wsgi_application(view, middleware=[])
    seen: list[tuple[str, str]] = []

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc: Any = None
    ) -> Any:
        seen.extend(response_headers)

    body = application(RequestFactory().get("/").environ, start_response)
    try:
        assert b"".join(body) == b"x"
    finally:
        body.close()  # type: ignore[attr-defined]

    expected: dict[str, list[str]] = {}
    for name, value in headers:
        expected.setdefault(name.lower(), []).append(value)
    got: dict[str, list[str]] = {}
    for name, value in seen:
        got.setdefault(name.lower(), []).append(value)
    assert got.pop("set-cookie", []) == expected.pop("set-cookie", [])
    if "content-length" not in expected:
        assert got.pop("content-length") == ["1"]
    assert got == {name: [", ".join(values)] for name, values in expected.items()}


# --- the HttpResponse djwsgi builds without Django's constructor ----------------------------


ANSWERS = [
    pytest.param("200 OK", [("Content-Type", "text/html")], [b"<p>hi</p>"], id="plain"),
    pytest.param("201 Created Here", [], [b"a", b"", b"b"], id="no headers, three chunks"),
    pytest.param(
        "404 Nope",
        [("X-A", "1"), ("Set-Cookie", "a=1; HttpOnly"), ("x-a", "2"), ("Set-Cookie", "b=2")],
        [b"missing"],
        id="repeats and cookies",
    ),
    pytest.param("204 No Content", [("ETag", '"x"')], [], id="204"),
]


def _wire(response: HttpResponse) -> tuple[Any, ...]:
    """What Django's handler sends for *response*: status line, headers, body."""
    headers = [
        *response.items(),
        *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()),
    ]
    return (response.status_code, response.reason_phrase, headers, b"".join(response))


@pytest.mark.parametrize(("status", "headers", "body"), ANSWERS)
@pytest.mark.parametrize("head", [False, True], ids=["GET", "HEAD"])
def test_the_fast_response_is_what_django_s_constructor_builds(
    monkeypatch: pytest.MonkeyPatch, status: str, headers: list[Any], body: list[bytes], head: bool
) -> None:
    from djwsgi import convert

    assert convert._FAST_RESPONSE, "the installed Django no longer matches the fast path"
    fast = convert.django_response(status, list(headers), list(body), head=head)
    monkeypatch.setattr(convert, "_FAST_RESPONSE", False)
    generic = convert.django_response(status, list(headers), list(body), head=head)
    assert type(fast) is type(generic) is HttpResponse
    assert _wire(fast) == _wire(generic)
    assert vars(fast).keys() == vars(generic).keys()
    # Django code can work with it as with any response.
    fast["X-Later"] = "yes"
    fast.set_cookie("later", "1")
    fast.write(b"!")
    assert fast["X-Later"] == "yes" and "later" in fast.cookies
    assert fast.content.endswith(b"!")


def test_a_django_that_builds_responses_differently_gets_the_generic_constructor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.http import HttpResponseBase

    from djwsgi import convert

    assert convert._fast_response_matches()
    init = HttpResponseBase.__init__

    def init_with_a_new_attribute(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.new_in_a_later_django = []

    monkeypatch.setattr(HttpResponseBase, "__init__", init_with_a_new_attribute)
    assert not convert._fast_response_matches()
