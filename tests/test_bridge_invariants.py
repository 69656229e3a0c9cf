"""The invariants the bridges' hot paths must keep (DESIGN §2, §3), checked on the
functions that build each request's environ and each response's headers: an environ is a
new dict without Django's, WebOb's or routing entries and with only ``str`` upper-case
values; response headers are kept name for name, joined, validated, with no invented
``Content-Type``; a broken header from the app is always a protocol error; a
``wsgi_application`` routes by its own URLconf unless a middleware picks another."""

from __future__ import annotations

from typing import Any
from wsgiref.validate import validator

import pytest
from django.http import BadHeaderError, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import path
from webtest import TestApp

from djwsgi import wsgi_application
from djwsgi.convert import build_environ, django_response
from djwsgi.environ import CloseOnce, WSGIProtocolError, check_headers, check_status


def _request(**extra: Any) -> Any:
    return RequestFactory().get("/wiki/page", **extra)


def test_environ_is_a_new_dict_and_meta_is_untouched() -> None:
    request = _request(HTTP_X_TRACE="abc")
    meta_before = dict(request.META)
    environ = build_environ(request, "/page")
    assert environ is not request.META
    assert meta_before == request.META
    assert environ["HTTP_X_TRACE"] == "abc"
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/wiki", "/page")


def test_environ_drops_django_webob_and_routing_entries() -> None:
    request = _request()
    request.META.update(
        {
            "CSRF_COOKIE": "secret",
            "CSRF_COOKIE_NEEDS_UPDATE": True,
            "CSRF_COOKIE_USED": True,
            "webob.adhoc_attrs": {"x": 1},
            "webob._parsed_query_vars": ({}, ""),
            "webob.url_encoding": "latin-1",  # a setting, not a cache: passed on
            "wsgiorg.routing_args": (("outer",), {}),
            "djwsgi.request": object(),
        }
    )
    environ = build_environ(request, "/page", routing_args=(("a",), {"k": "v"}))
    assert not [key for key in environ if key.startswith("CSRF_")]
    assert [key for key in environ if key.startswith("webob.")] == ["webob.url_encoding"]
    assert environ["wsgiorg.routing_args"] == (("a",), {"k": "v"})
    assert environ["djwsgi.request"] is request


def test_environ_keeps_only_str_values_under_cgi_keys_and_every_extension_key() -> None:
    request = _request()
    marker = object()
    request.META.update(
        {
            "HTTP_X_NUMBER": 42,  # a middleware's note: not a CGI string
            "MY_OBJECT": marker,
            "lower_no_dot": marker,  # no dot: a CGI key for PEP 3333, so str only
            "HTTP_X_TEXT": "kept",
            "paste.registry": marker,  # other lower-case extension keys pass through
            "wsgi.custom": marker,
        }
    )
    environ = build_environ(request, "/page")
    assert "HTTP_X_NUMBER" not in environ and "MY_OBJECT" not in environ
    assert "lower_no_dot" not in environ
    assert environ["HTTP_X_TEXT"] == "kept"
    assert environ["paste.registry"] is marker and environ["wsgi.custom"] is marker
    assert all(type(v) is str for k, v in environ.items() if "." not in k)


def test_an_upper_case_key_seen_as_str_before_is_still_dropped_when_it_is_not() -> None:
    first = _request(HTTP_X_SOMETIMES="text")
    assert build_environ(first, "/page")["HTTP_X_SOMETIMES"] == "text"
    later = _request()
    later.META["HTTP_X_SOMETIMES"] = ["not", "a", "str"]
    assert "HTTP_X_SOMETIMES" not in build_environ(later, "/page")


def test_many_distinct_header_names_are_all_passed_on() -> None:
    names = [f"HTTP_X_CLIENT_{i}" for i in range(2000)]
    request = _request(**dict.fromkeys(names, "v"))
    request.META["HTTP_X_CLIENT_LAST"] = 1
    environ = build_environ(request, "/page")
    assert all(environ[name] == "v" for name in names)
    assert "HTTP_X_CLIENT_LAST" not in environ


@pytest.mark.parametrize(
    ("server_remote_user", "remote_user", "expected"),
    [
        pytest.param("alice", True, None, id="anonymous: the server's value removed"),
        pytest.param("alice", False, "alice", id="remote_user=False: passed through"),
    ],
)
def test_environ_remote_user(server_remote_user: str, remote_user: bool, expected: Any) -> None:
    request = _request(REMOTE_USER=server_remote_user)
    environ = build_environ(request, "/page", remote_user=remote_user)
    assert environ.get("REMOTE_USER") == expected


def test_response_headers_are_kept_joined_and_looked_up_case_insensitively() -> None:
    headers = [
        ("X-Thing", "a"),
        ("Content-Type", "text/plain"),
        ("x-thing", "b"),
        ("Set-Cookie", "a=1; Path=/; HttpOnly"),
        ("Set-Cookie", "b=2; Secure"),
    ]
    response = django_response("201 Created Here", headers, [b"body"])
    assert isinstance(response, HttpResponse)
    assert (response.status_code, response.reason_phrase) == (201, "Created Here")
    assert list(response.items()) == [("X-Thing", "a, b"), ("Content-Type", "text/plain")]
    assert response["x-thing"] == "a, b" and response.has_header("CONTENT-TYPE")
    assert [c.OutputString() for c in response.cookies.values()] == [
        "a=1; Path=/; HttpOnly",
        "b=2; Secure",
    ]
    assert response.content == b"body"


@pytest.mark.parametrize("seen", [False, True], ids=["status not seen before", "seen"])
def test_response_status_code_and_reason_whether_the_status_was_seen(seen: bool) -> None:
    # check_status remembers each status it passed with its code and reason phrase, which
    # django_response then reads; one it never saw is parsed.
    status = "299 Odd But Fine" if seen else "298 Never Checked"
    if seen:
        check_status(status, "app")
    response = django_response(status, [], [b""])
    assert (response.status_code, response.reason_phrase) == (int(status[:3]), status[4:])


def test_response_without_content_type_gets_none_and_stays_a_real_header_map() -> None:
    response = django_response("200 OK", [("X-A", "1")], [b"x"])
    assert "Content-Type" not in response
    # What Django code does to the response afterwards is still checked by Django.
    response["X-Later"] = "fine"
    assert response["x-later"] == "fine"
    with pytest.raises(BadHeaderError):
        response["X-Bad"] = "a\r\nInjected: yes"
    del response["X-A"]
    assert list(response.items()) == [("X-Later", "fine")]


def test_streaming_and_head_responses_keep_the_headers() -> None:
    body = CloseOnce(iter([b"a", b"b"]))
    streaming = django_response("200 OK", [("Content-Length", "2")], body)
    assert isinstance(streaming, StreamingHttpResponse)
    assert streaming["Content-Length"] == "2" and "Content-Type" not in streaming
    assert b"".join(streaming.streaming_content) == b"ab"

    head = django_response("200 OK", [("Content-Type", "text/plain")], [b"12345"], head=True)
    assert head.content == b"" and head["Content-Length"] == "5"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("text/html; charset=utf-8", id="ascii"),
        pytest.param("a\tb", id="tab"),
        pytest.param("caf\xe9", id="latin-1"),
    ],
)
def test_header_values_pep_3333_allows(value: str) -> None:
    check_headers([("X-Ok", value), ("X-Ok", value)], "app")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param([("X-A", "a\r\nB: c")], "CR or LF", id="header injection"),
        pytest.param([("X-A", "a\nb")], "CR or LF", id="bare LF"),
        pytest.param([("X-A", "a\x00b")], "latin-1 string without control", id="NUL"),
        pytest.param([("X-A", "\u20ac")], "latin-1 string without control", id="not latin-1"),
        pytest.param([("X A", "v")], "invalid header name", id="space in name"),
        pytest.param([(b"X-A", "v")], "invalid header name", id="bytes name"),
        pytest.param([(["X-A"], "v")], "invalid header name", id="unhashable name"),
        pytest.param([("X-A", b"v")], "PEP 3333 wants str", id="bytes value"),
        pytest.param([("X-A", "v", "w")], "tuple of two str", id="three items"),
    ],
)
def test_broken_headers_are_refused_after_good_ones_were_seen(
    headers: list[Any], message: str
) -> None:
    check_headers([("X-A", "fine"), ("X-Ok", "fine")], "app")  # names now known good
    with pytest.raises(WSGIProtocolError, match=message):
        check_headers(headers, "app")


@pytest.mark.parametrize("status", ["200", "200OK", "2000 OK", "200 OK\r\n", b"200 OK", 200])
def test_broken_status_is_refused_after_good_ones_were_seen(status: Any) -> None:
    check_status("200 OK", "app")
    with pytest.raises(WSGIProtocolError, match="PEP 3333 wants a str"):
        check_status(status, "app")


def _which(label: str) -> Any:
    def view(request: Any, **kwargs: Any) -> HttpResponse:
        match = request.resolver_match
        return HttpResponse(
            f"{label} {match.url_name} {request.path_info}", content_type="text/plain"
        )

    return view


class _OtherUrls:
    """A second URLconf, chosen by a middleware for some requests."""

    urlpatterns = [path("x", _which("other"), name="other-x")]


class ChooseOtherUrlconf:
    """Middleware: ``X-Other: 1`` routes the request by :class:`_OtherUrls`."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.headers.get("X-Other"):
            request.urlconf = _OtherUrls
        return self.get_response(request)


def test_a_middleware_can_still_route_a_request_by_another_urlconf() -> None:
    app = TestApp(
        validator(
            wsgi_application(
                [path("x", _which("main"), name="main-x")],
                middleware=["tests.test_bridge_invariants.ChooseOtherUrlconf"],
            )
        )
    )
    assert app.get("/x").text == "main main-x /x"
    assert app.get("/x", headers={"X-Other": "1"}).text == "other other-x /x"
    assert app.get("/x").text == "main main-x /x"  # the next request: the app's own again


@pytest.mark.parametrize(
    ("url", "path_info"), [("/", "/"), ("/a", "/a"), ("/a/b/", "/a/b/"), ("/caf%C3%A9", "/café")]
)
def test_a_view_target_answers_every_path(url: str, path_info: str) -> None:
    app = TestApp(validator(wsgi_application(_which("view"), middleware=[])))
    assert app.get(url).text == f"view None {path_info}"


@pytest.mark.parametrize(
    ("path", "captured", "expected"),
    [
        pytest.param("/app//x", "/x", ("/app", "//x"), id="capture after a double slash"),
        pytest.param("/app/x", "/x", ("/app", "/x"), id="capture at a slash"),
        pytest.param("/app/x", "x", ("/app", "/x"), id="capture after a slash"),
    ],
)
def test_build_environ_keeps_script_name_without_a_trailing_slash(
    path: str, captured: str, expected: tuple[str, str]
) -> None:
    """A regex pattern may capture less than mount() would (``^app/(?P<path_info>/.*)$``
    on ``/app//x`` captures ``/x``): the slash before it still goes with PATH_INFO."""
    environ = build_environ(RequestFactory().get(path), captured)
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == expected
