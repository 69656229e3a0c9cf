"""The request-free PEP 3333 helpers of ``djwsgi.environ``: WSGI strings, the path shift,
calling an app as a server would, closing once, and the status/header checks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from djwsgi.environ import (
    CloseOnce,
    WSGIProtocolError,
    call_app,
    check_headers,
    check_status,
    from_wsgi_str,
    shift_path,
    to_wsgi_str,
)

TEXT = [("Content-Type", "text/plain")]


# --- WSGI strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wsgi"),
    [("/plain", "/plain"), ("/café", "/caf\xc3\xa9"), ("/€", "/\xe2\x82\xac"), ("", "")],
)
def test_to_wsgi_str_is_utf8_bytes_as_latin1(text: str, wsgi: str) -> None:
    assert to_wsgi_str(text) == wsgi
    assert from_wsgi_str(wsgi) == text


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(codec="utf-8")))
def test_wsgi_str_round_trip(text: str) -> None:
    wsgi = to_wsgi_str(text)
    assert wsgi.encode("latin-1") == text.encode("utf-8")
    assert from_wsgi_str(wsgi) == text


# --- shift_path ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script_name", "path_info", "rest", "expected"),
    [
        pytest.param("", "/flask/", "/", ("/flask", "/"), id="prefix slash"),
        pytest.param("", "/flask/a", "/a", ("/flask", "/a"), id="one segment"),
        pytest.param("", "/flask", "", ("/flask", ""), id="bare prefix"),
        pytest.param("", "/wiki/a", "a", ("/wiki", "/a"), id="rest without slash"),
        pytest.param("", "/wiki/", "", ("/wiki", "/"), id="empty rest after slash"),
        pytest.param("/site", "/flask/a", "a", ("/site/flask", "/a"), id="outer script name"),
        pytest.param("/site/", "/flask/a", "/a", ("/site/flask", "/a"), id="outer trailing /"),
        pytest.param("", "/a/b", "/a/b", ("", "/a/b"), id="everything captured"),
        pytest.param("", "/wikifoo", "foo", ("", "/wikifoo"), id="mid-segment capture"),
        pytest.param("", "/x/wikifoo", "foo", ("/x", "/wikifoo"), id="mid-segment, deeper"),
        pytest.param("", "/app//x", "x", ("/app", "//x"), id="double slash before rest"),
        pytest.param("", "/a//bc", "c", ("/a", "//bc"), id="double slash, mid-segment"),
        pytest.param("", "//", "", ("", "//"), id="only slashes"),
    ],
)
def test_shift_path(script_name: str, path_info: str, rest: str, expected: tuple[str, str]) -> None:
    assert shift_path(script_name, path_info, rest) == expected


def test_shift_path_refuses_a_capture_that_is_not_the_end() -> None:
    with pytest.raises(ValueError, match="not the end of the path"):
        shift_path("", "/wiki/a/b", "a")


segment = st.text(st.characters(blacklist_characters="/", codec="utf-8"), min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(
    script=st.lists(segment, max_size=3),
    prefix=st.lists(segment, max_size=3),
    rest=st.lists(segment, max_size=3),
    trailing=st.booleans(),
)
def test_shift_path_postconditions(
    script: list[str], prefix: list[str], rest: list[str], trailing: bool
) -> None:
    script_name = "".join("/" + s for s in script)
    path_info = "".join("/" + s for s in [*prefix, *rest]) + ("/" if trailing else "")
    captured = path_info[len("".join("/" + s for s in prefix)) :]
    new_script, new_path = shift_path(script_name, path_info, captured.lstrip("/"))
    assert new_script + new_path == script_name + path_info
    assert new_script == "" or (new_script.startswith("/") and not new_script.endswith("/"))
    assert new_path == "" or new_path.startswith("/")


@settings(max_examples=300, deadline=None)
@given(
    script=st.lists(st.sampled_from(["", "a", "é"]), max_size=3),
    segments=st.lists(st.sampled_from(["", "x", "wiki", "é"]), max_size=6),
    data=st.data(),
)
def test_shift_path_postconditions_at_every_capture_point(
    script: list[str], segments: list[str], data: st.DataObject
) -> None:
    # Empty segments make double slashes ("/app//x"), where a split one "/" off would leave
    # SCRIPT_NAME ending in "/"; every capture point is tried, with and without its "/".
    script_name = "".join("/" + s for s in script)
    path_info = "".join("/" + s for s in segments)
    j = data.draw(st.integers(0, len(path_info)))
    new_script, new_path = shift_path(script_name, path_info, path_info[j:])
    assert new_script + new_path == script_name.rstrip("/") + path_info
    assert new_script == "" or (new_script.startswith("/") and not new_script.endswith("/"))
    assert new_path == "" or new_path.startswith("/")
    assert new_path.endswith(path_info[j:])  # the capture stays whole in PATH_INFO


# --- status and header checks ---------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["200 OK", "201 Created Here", "599 ", "404 Não", "100 Continue", "418 I'm a teapot"]
)
def test_check_status_accepts(status: str) -> None:
    check_status(status, "app")


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(b"200 OK", id="bytes"),
        pytest.param(200, id="int"),
        pytest.param("200", id="no reason"),
        pytest.param("20 OK", id="two digits"),
        pytest.param("200 OK\r\nX: y", id="CRLF"),
        pytest.param("200 ☃", id="not latin-1"),
        pytest.param("099 Low", id="leading zero"),
        pytest.param("600 Beyond", id="600"),
        pytest.param("999 Custom", id="999"),
        pytest.param("200 O\tK", id="tab"),
        pytest.param("200 O\x01K", id="C0 control"),
        pytest.param("200 O\x85K", id="C1 control"),
        pytest.param("200 O\x7fK", id="DEL"),
    ],
)
def test_check_status_refuses_naming_the_app(status: Any) -> None:
    with pytest.raises(WSGIProtocolError, match="my.app"):
        check_status(status, "my.app")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param((("A", "b"),), "list", id="tuple of headers"),
        pytest.param([["A", "b"]], "tuple", id="list item"),
        pytest.param([("A", "b", "c")], "tuple", id="three items"),
        pytest.param([(b"A", "b")], "header name", id="bytes name"),
        pytest.param([("A B", "b")], "header name", id="space in name"),
        pytest.param([("A:", "b")], "header name", id="colon in name"),
        pytest.param([("A", b"b")], "bytes", id="bytes value"),
        pytest.param([("A", "b\r\nSet-Cookie: x=1")], "CR or LF", id="CRLF injection"),
        pytest.param([("A", "b\nc")], "CR or LF", id="LF"),
        pytest.param([("A", "b\rc")], "CR or LF", id="CR"),
        pytest.param([("A", "b\x00")], "latin-1", id="NUL"),
        pytest.param([("A", "☃")], "latin-1", id="not latin-1"),
    ],
)
def test_check_headers_refuses_naming_the_app(headers: Any, message: str) -> None:
    with pytest.raises(WSGIProtocolError, match=message) as info:
        check_headers(headers, "my.app")
    assert "my.app" in str(info.value)


def test_check_headers_accepts_latin1_and_repeats() -> None:
    check_headers([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Name", "Zoë\t")], "app")


# --- CloseOnce -------------------------------------------------------------------------------


class Counted:
    def __init__(self, chunks: list[Any]) -> None:
        self.chunks = chunks
        self.closes = 0

    def __iter__(self) -> Iterator[Any]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closes += 1


def test_close_once_is_idempotent_and_iterates_head_first() -> None:
    inner = Counted([b"b", b"c"])
    body = CloseOnce(inner, head=[b"a"])
    assert list(body) == [b"a", b"b", b"c"]
    assert not body.closed
    body.close()
    body.close()
    assert body.closed
    assert inner.closes == 1


def test_close_once_without_close_attribute() -> None:
    body = CloseOnce([b"x"])
    body.close()
    assert body.closed


def test_close_once_refuses_str_chunks_naming_the_app() -> None:
    body = CloseOnce(Counted([b"ok", "text"]), app="pkg.app")
    assert next(body) == b"ok"
    with pytest.raises(WSGIProtocolError, match=r"pkg\.app yielded a str chunk"):
        next(body)


def test_close_once_accepts_bytes_subclasses() -> None:
    class Chunk(bytes):
        pass

    assert list(CloseOnce([Chunk(b"x")])) == [b"x"]


# --- call_app ---------------------------------------------------------------------------------


def test_call_app_list_result_is_buffered() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", TEXT)
        return [b"a", b"b"]

    result = call_app(app, {}, name="app")
    assert (result.status, result.headers, result.body) == ("200 OK", TEXT, [b"a", b"b"])
    assert result.buffered


def test_call_app_primes_a_generator_until_the_first_non_empty_chunk() -> None:
    steps: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        steps.append("started")
        start_response("200 OK", TEXT)
        yield b""
        steps.append("first")
        yield b"first"
        steps.append("second")
        yield b"second"

    result = call_app(app, {}, name="app")
    assert steps == ["started", "first"]  # primed, not drained
    assert not result.buffered
    assert list(result.body) == [b"first", b"second"]
    result.close()


def test_call_app_exhausted_generator_is_buffered_and_closed() -> None:
    closed: list[bool] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        try:
            start_response("204 No Content", [])
            yield b""
        finally:
            closed.append(True)

    result = call_app(app, {}, name="app")
    assert result.body == []
    assert closed == [True]


def test_call_app_write_then_iterable() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        write = start_response("200 OK", TEXT)
        write(b"w1")
        yield b"i1"
        write(b"w2")
        write(b"w3")
        yield b"i2"

    result = call_app(app, {}, name="app")
    assert b"".join(result.body) == b"w1i1w2w3i2"
    result.close()


def test_call_app_write_before_start_response_is_an_error() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response.__self__.write(b"x")
        return []

    with pytest.raises(WSGIProtocolError, match="write.. before start_response"):
        call_app(app, {}, name="app")


def test_call_app_body_before_start_response_is_an_error_and_closes() -> None:
    inner = Counted([b"early"])

    def app(environ: dict[str, Any], start_response: Any) -> Counted:
        return inner

    with pytest.raises(WSGIProtocolError, match="before calling start_response"):
        call_app(app, {}, name="app")
    assert inner.closes == 1


def test_call_app_exc_info_before_and_after_headers() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        try:
            raise KeyError("early")
        except KeyError:
            start_response("500 Early", TEXT, sys.exc_info())
        yield b"x"
        try:
            raise KeyError("late")
        except KeyError:
            start_response("500 Late", TEXT, sys.exc_info())
        yield b"never"

    result = call_app(app, {}, name="app")
    assert result.status == "500 Early"
    assert next(iter(result.body)) == b"x"
    with pytest.raises(KeyError, match="late"):
        next(iter(result.body))
    result.close()


_TCHARS = "!#$%&'*+-.^_`|~09AZaz"


def _valid_header(item: object) -> bool:
    if type(item) is not tuple or len(item) != 2:
        return False
    name, value = item
    if type(name) is not str or type(value) is not str or not name:
        return False
    if any(c not in "!#$%&'*+-.^_`|~" and not (c.isascii() and c.isalnum()) for c in name):
        return False
    return not any(c in "\r\n\x00" or ord(c) > 0xFF for c in value)


_any_name = st.text(st.sampled_from([*_TCHARS, " ", ":", "\n", "é", ","]), max_size=4)
_any_value = st.text(st.sampled_from(["a", " ", "\t", "\r", "\n", "\x00", "é", "ÿ", "Ā", ","]))
_any_item = st.one_of(
    st.tuples(_any_name, _any_value),
    st.tuples(_any_name, _any_value, _any_value),
    st.tuples(st.binary(max_size=2), _any_value),
    st.lists(_any_name, min_size=2, max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_any_item, max_size=5))
def test_check_headers_accepts_exactly_the_valid_lists(headers: list[Any]) -> None:
    """The fast path (all names and values checked at once) never accepts what the
    header-by-header rules refuse, nor refuses what they accept."""
    valid = all(_valid_header(item) for item in headers)
    if valid:
        check_headers(headers, "app")
    else:
        with pytest.raises(WSGIProtocolError):
            check_headers(headers, "app")
