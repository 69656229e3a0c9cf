"""Faults in a foreign app mounted with ``djwsgi.mount``, and in Django around it.

Each fault must end in Django's normal 500 (no traceback unless DEBUG), a log record that
names the app, the app's iterable closed exactly once, and a healthy next request. A fault
after the headers went out cannot become a 500: the exception reaches the server, which
aborts the connection and closes the response (``serve()`` does what a server does).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import get_urlconf, path

import djwsgi

from . import faulty
from .wsgi import serve

APP_500, ABORT, SERVED, APP_STATUS = "django 500", "abort", "served", "app status"

FAULTS = [
    pytest.param(faulty.raises_before_start_response, APP_500, id="raises before start_response"),
    pytest.param(
        faulty.raises_before_start_response_lazily, APP_500, id="raises lazily before start"
    ),
    pytest.param(faulty.raises_after_start_response, APP_500, id="raises after start_response"),
    pytest.param(faulty.raises_before_first_chunk, APP_500, id="raises before first chunk"),
    pytest.param(faulty.raises_mid_iteration, ABORT, id="raises mid-iteration"),
    pytest.param(faulty.close_raises_streaming, SERVED, id="close raises, streaming"),
    pytest.param(faulty.close_raises_buffered, APP_500, id="close raises, list"),
    pytest.param(faulty.close_raises_after_empty_body, APP_500, id="close raises, empty body"),
    pytest.param(faulty.str_chunk, APP_500, id="str chunk"),
    pytest.param(faulty.str_chunk_in_list, APP_500, id="str chunk in a list"),
    pytest.param(faulty.str_chunk_mid_stream, ABORT, id="str chunk mid-stream"),
    pytest.param(faulty.writes_then_raises, APP_500, id="write() then raises"),
    pytest.param(faulty.writes_str, APP_500, id="write() of a str"),
    pytest.param(faulty._status_app("200"), APP_500, id="status without reason"),
    pytest.param(faulty._status_app("OK"), APP_500, id="status without code"),
    pytest.param(faulty._status_app("2000 OK"), APP_500, id="status of four digits"),
    pytest.param(faulty._status_app(b"200 OK"), APP_500, id="status as bytes"),
    pytest.param(faulty._status_app("200 OK\r\nX-Evil: 1"), APP_500, id="CR/LF in status"),
    pytest.param(faulty._status_app("200 O\x01K"), APP_500, id="control character in status"),
    pytest.param(faulty._status_app("700 Beyond"), APP_500, id="status above 599"),
    pytest.param(faulty._header_app("X-Name", "caf\u00e9 \u20ac"), APP_500, id="non-latin-1 value"),
    pytest.param(
        faulty._header_app("X-Injected", "a\r\nSet-Cookie: evil=1"), APP_500, id="CR/LF in value"
    ),
    pytest.param(faulty._header_app("Location", "/x\nRefresh: 0"), APP_500, id="LF in Location"),
    pytest.param(faulty._header_app("X-Nul", "a\x00b"), APP_500, id="NUL in value"),
    pytest.param(faulty._header_app("X Bad:", "1"), APP_500, id="bad header name"),
    pytest.param(faulty.start_response_twice, APP_500, id="start_response twice"),
    pytest.param(faulty.yields_after_exc_info, ABORT, id="yields after exc_info"),
    pytest.param(faulty.exc_info_before_body, APP_STATUS, id="exc_info before body"),
]


def _site(app: Callable[..., Any]) -> Any:
    return djwsgi.wsgi_application(
        [djwsgi.mount("app", app), djwsgi.mount("ok", faulty.streaming_ok)]
    )


@pytest.fixture
def bodies() -> Iterator[list[Any]]:
    faulty.BODIES.clear()
    yield faulty.BODIES
    faulty.BODIES.clear()


def _assert_next_request_fine(site: Any, bodies: list[Any]) -> None:
    before = len(bodies)
    served = serve(site, "/ok/")
    assert (served.status, served.body, served.error) == ("200 OK", b"streamed /ok", None)
    assert [b.closes for b in bodies[before:]] == [1]
    assert get_urlconf() is None  # request_finished reset this thread's urlconf


def _logged(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    formatter = logging.Formatter()
    return [
        formatter.format(r)
        for r in caplog.records
        if r.name == logger and r.levelno >= logging.ERROR
    ]


@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG off", "DEBUG on"])
@pytest.mark.parametrize(("app", "outcome"), FAULTS)
def test_foreign_app_fault(
    app: Callable[..., Any],
    outcome: str,
    debug: bool,
    bodies: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = _site(app)
    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR):
        served = serve(site, "/app/page")
        name = app.__name__
        token = faulty.TOKEN.encode()
        # Whatever happened, the app's iterable (if it returned one) was closed once.
        eager = name.endswith(("start_response", "then_raises"))  # raised, nothing returned
        assert [b.closes for b in bodies] == ([] if eager else [1])

        if outcome == APP_500:
            assert served.code == 500, served
            assert served.error is None
            if debug:
                assert b"Traceback" in served.body and name.encode() in served.body
            else:
                assert b"Server Error (500)" in served.body
                assert token not in served.body and b"Traceback" not in served.body
                assert b"evil" not in served.body
            assert not served.header("X-Injected") and not served.header("Set-Cookie")
            records = _logged(caplog, "django.request")
            assert len(records) == 1, records
            assert name in records[0], records[0]
        elif outcome == ABORT:
            # The headers were out: the server sees the exception and aborts; nothing of it
            # was sent as body, and the exception names the app for the server's log.
            assert served.status == "200 OK"
            assert served.error is not None
            assert token not in served.body
            assert served.body.endswith(b";")
            assert name in "".join(traceback.format_exception(served.error))
        elif outcome == SERVED:
            # close() raised after the whole body was sent: logged, not swallowed.
            assert (served.status, served.body, served.error) == ("200 OK", b"one;two;", None)
            records = [
                logging.Formatter().format(r) for r in caplog.records if r.levelno >= logging.ERROR
            ]
            assert any(name in r and faulty.TOKEN in r for r in records), records
        else:
            assert (served.status, served.body) == ("503 Try Later", b"app error page")
    _assert_next_request_fine(site, bodies)


def _middleware_site(*middleware: str) -> Any:
    return djwsgi.wsgi_application(
        [
            djwsgi.mount("mw-raise", faulty.streaming_ok),
            djwsgi.mount("mw-replace", faulty.streaming_ok),
            djwsgi.mount("ok", faulty.streaming_ok),
        ],
        middleware=[f"tests.reliability.faulty.{m}" for m in middleware],
    )


def test_middleware_raising_after_mounted_view_replaces_response_and_closes_app(
    bodies: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    site = _middleware_site("RaiseAfterViewMiddleware")
    with caplog.at_level(logging.ERROR):
        served = serve(site, "/mw-raise/x")
    assert served.code == 500 and b"streamed" not in served.body
    assert [b.closes for b in bodies] == [1]
    assert len(_logged(caplog, "django.request")) == 1
    _assert_next_request_fine(site, bodies)


def test_middleware_replacing_response_still_closes_app(bodies: list[Any]) -> None:
    site = _middleware_site("ReplaceResponseMiddleware")
    served = serve(site, "/mw-replace/x")
    assert (served.code, served.body) == (200, b"replaced by middleware")
    assert [b.closes for b in bodies] == [1]
    _assert_next_request_fine(site, bodies)


def test_django_view_raising_in_nested_application(
    bodies: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    inner = djwsgi.wsgi_application([path("boom/", faulty.view_raises)])
    site = djwsgi.wsgi_application(
        [djwsgi.mount("inner", inner), djwsgi.mount("ok", faulty.streaming_ok)]
    )
    with caplog.at_level(logging.ERROR):
        served = serve(site, "/inner/boom/")
    assert served.code == 500
    assert faulty.TOKEN.encode() not in served.body and b"Traceback" not in served.body
    records = _logged(caplog, "django.request")
    assert records and "view_raises" in records[0]
    _assert_next_request_fine(site, bodies)


@pytest.mark.usefixtures("django_db")
def test_database_error_in_urlconf_app_is_a_500_and_the_next_query_works(
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = djwsgi.wsgi_application(
        [path("missing/", faulty.missing_table), path("ok/", faulty.db_ok)]
    )
    with caplog.at_level(logging.ERROR):
        served = serve(site, "/missing/")
    assert served.code == 500 and b"djwsgi_no_such_table" not in served.body
    assert any("djwsgi_no_such_table" in r for r in _logged(caplog, "django.request"))
    after = serve(site, "/ok/")
    assert (after.code, after.body) == (200, b"db says 42")
    assert connection.connection is None  # request_finished closed it, as Django does
