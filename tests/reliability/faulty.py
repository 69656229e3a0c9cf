"""Foreign WSGI apps that break, each in its own way, and Django pieces that break around
them. Every app's response iterable is a :class:`~tests.reliability.wsgi.Tracked` added to
``BODIES`` so a test can count its ``close()`` calls."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .wsgi import Tracked, TrackedList

BODIES: list[Any] = []
TOKEN = "fault-4b1d"  # every fault's message carries it: it must never reach a client
TEXT = [("Content-Type", "text/plain")]

StartResponse = Callable[..., Any]


def _track(chunks: Iterator[Any], close_error: BaseException | None = None) -> Tracked:
    return Tracked(chunks, BODIES, close_error)


def raises_before_start_response(environ: dict[str, Any], start_response: StartResponse) -> Any:
    raise RuntimeError(f"{TOKEN}: boom")


def raises_before_start_response_lazily(environ: dict[str, Any], sr: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        raise RuntimeError(f"{TOKEN}: boom")
        yield b""  # pragma: no cover

    return _track(body())


def raises_after_start_response(environ: dict[str, Any], start_response: StartResponse) -> Any:
    start_response("200 OK", TEXT)
    raise RuntimeError(f"{TOKEN}: boom")


def raises_before_first_chunk(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        yield b""
        raise RuntimeError(f"{TOKEN}: boom")

    return _track(body())


def raises_mid_iteration(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        yield b"first chunk;"
        raise RuntimeError(f"{TOKEN}: boom")

    return _track(body())


def close_raises_streaming(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        yield b"one;"
        yield b"two;"

    return _track(body(), RuntimeError(f"{TOKEN}: boom"))


def close_raises_buffered(environ: dict[str, Any], start_response: StartResponse) -> Any:
    start_response("200 OK", TEXT)
    return TrackedList([b"all at once"], BODIES, RuntimeError(f"{TOKEN}: boom"))


def close_raises_after_empty_body(environ: dict[str, Any], sr: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        sr("200 OK", TEXT)
        yield b""

    return _track(body(), RuntimeError(f"{TOKEN}: boom"))


def str_chunk(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[Any]:
        start_response("200 OK", TEXT)
        yield f"{TOKEN} text"

    return _track(body())


def str_chunk_in_list(environ: dict[str, Any], start_response: StartResponse) -> Any:
    start_response("200 OK", TEXT)
    return TrackedList([b"ok;", f"{TOKEN} text"], BODIES)


def str_chunk_mid_stream(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[Any]:
        start_response("200 OK", TEXT)
        yield b"bytes first;"
        yield f"{TOKEN} text"

    return _track(body())


def writes_then_raises(environ: dict[str, Any], start_response: StartResponse) -> Any:
    write = start_response("200 OK", TEXT)
    write(TOKEN.encode())  # buffered: must not reach the client once the app fails
    raise RuntimeError(f"{TOKEN}: boom")


def writes_str(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        write = start_response("200 OK", TEXT)
        write(f"{TOKEN} text")
        yield b"after"

    return _track(body())


def _status_app(status: Any) -> Callable[..., Any]:
    def bad_status(environ: dict[str, Any], start_response: StartResponse) -> Any:
        def body() -> Iterator[bytes]:
            start_response(status, TEXT)
            yield TOKEN.encode()

        return _track(body())

    return bad_status


def _header_app(name: str, value: str) -> Callable[..., Any]:
    def bad_header(environ: dict[str, Any], start_response: StartResponse) -> Any:
        def body() -> Iterator[bytes]:
            start_response("200 OK", [*TEXT, (name, value)])
            yield TOKEN.encode()

        return _track(body())

    return bad_header


def start_response_twice(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        start_response("404 Not Found", TEXT)
        yield TOKEN.encode()

    return _track(body())


def yields_after_exc_info(environ: dict[str, Any], start_response: StartResponse) -> Any:
    """PEP 3333's error path done late: the headers went out, so start_response must
    re-raise; the app never gets to send its error page."""

    def body() -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        yield b"partial;"
        try:
            raise ValueError(f"{TOKEN}: late")
        except ValueError:
            start_response("500 Oops", TEXT, sys.exc_info())
            yield b"error page"

    return _track(body())


def exc_info_before_body(environ: dict[str, Any], start_response: StartResponse) -> Any:
    """PEP 3333's error path done in time: the status is replaced, the app's page served."""

    def body() -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        try:
            raise ValueError("replaced in time")
        except ValueError:
            start_response("503 Try Later", TEXT, sys.exc_info())
        yield b"app error page"

    return _track(body())


def streaming_ok(environ: dict[str, Any], start_response: StartResponse) -> Any:
    def body() -> Iterator[bytes]:
        start_response("200 OK", TEXT)
        yield b"streamed "
        yield environ["SCRIPT_NAME"].encode("latin-1")

    return _track(body())


# --- Django pieces that fail around a mounted app --------------------------------------


class RaiseAfterViewMiddleware:
    """Raises in the response phase, after the mounted view returned its response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith("/mw-raise"):
            raise RuntimeError(f"{TOKEN}: middleware after the view")
        return response


class ReplaceResponseMiddleware:
    """Drops the view's response for one of its own (without closing the old one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith("/mw-replace"):
            return HttpResponse("replaced by middleware", content_type="text/plain")
        return response


def view_raises(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"{TOKEN}: a Django view raised")


def missing_table(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM djwsgi_no_such_table")
    return HttpResponse("unreachable")  # pragma: no cover


def db_ok(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        (value,) = cursor.fetchone()
    return HttpResponse(f"db says {value}", content_type="text/plain")


class SecureCookiesMiddleware:
    """What sites do to harden cookies: mark every response cookie Secure."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        for morsel in response.cookies.values():
            morsel["secure"] = True
        return response
