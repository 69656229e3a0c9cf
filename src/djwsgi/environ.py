"""PEP 3333 helpers with no Django import: calling a WSGI app as a caller must, strings in
WSGI form, and an iterable that is closed exactly once.

::

    result = call_app(app, environ, name="wiki")      # primes lazy apps, checks the protocol
    try:
        for chunk in result.body: ...
    finally:
        result.close()
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType

from ._types import WSGIApplication, WSGIEnvironment

__all__ = [
    "AppResult",
    "CloseOnce",
    "WSGIProtocolError",
    "call_app",
    "check_headers",
    "check_status",
    "from_wsgi_str",
    "shift_path",
    "to_wsgi_str",
]

_log = logging.getLogger(__name__)

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class WSGIProtocolError(RuntimeError):
    """A WSGI application broke PEP 3333; the message names the application."""


def _name_app(exc: BaseException, app: str) -> None:
    """Note on an exception raised by *app* (or its iterable) which app that was, so that
    a log or a DEBUG page names it even when the raising frame is an anonymous generator."""
    if isinstance(exc, Exception) and not isinstance(exc, WSGIProtocolError):
        note = f"raised by WSGI application {app}"
        if note not in getattr(exc, "__notes__", ()):
            exc.add_note(note)


def _close(iterable: object) -> None:
    close = getattr(iterable, "close", None)
    if close is not None:
        close()


def to_wsgi_str(text: str) -> str:
    """Text (as Django keeps paths) → a PEP 3333 "native string": UTF-8 bytes as latin-1."""
    return text.encode("utf-8").decode("latin-1") if not text.isascii() else text


def from_wsgi_str(value: str) -> str:
    """A PEP 3333 string (bytes as latin-1) → text, decoding the bytes as UTF-8."""
    return value.encode("latin-1").decode("utf-8", "replace") if not value.isascii() else value


def shift_path(script_name: str, path_info: str, rest: str) -> tuple[str, str]:
    """Move the part of *path_info* before the captured *rest* into *script_name*.

    ``shift_path("/site", "/flask/a", "a") == ("/site/flask", "/a")``. The split falls on a
    ``/`` next to the captured part, so that afterwards:

    - ``SCRIPT_NAME`` is ``""`` or starts with ``/`` and never ends with ``/``;
    - ``PATH_INFO`` is ``""`` or starts with ``/``;
    - ``SCRIPT_NAME + PATH_INFO == script_name.rstrip("/") + path_info``.

    :raises ValueError: when *rest* is not the end of *path_info*.
    """
    if not path_info.endswith(rest):
        raise ValueError(
            f"the captured path_info {rest!r} is not the end of the path {path_info!r}; "
            "capture path_info at the end of the URL pattern"
        )
    k = len(path_info) - len(rest)
    if k > 0 and path_info[k - 1] == "/":
        k -= 1  # "/wiki/" + "a": the slash goes with the rest
    elif k < len(path_info) and path_info[k] != "/":
        k = path_info.rfind("/", 0, k)  # the capture starts mid-segment: shift whole segments
        k = max(k, 0)
    # A double slash before the split goes with the rest as well ("/app//" + "x" gives
    # "/app" and "//x"), so that SCRIPT_NAME never ends with "/".
    head = path_info[:k].rstrip("/")
    return script_name.rstrip("/") + head, path_info[len(head) :]


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\r\n\x00]|[^\x00-\xff]")
# 100-599 (RFC 9110 §15), a space, a latin-1 reason phrase without control characters
# (PEP 3333; Django refuses them too).
_STATUS = re.compile(r"[1-5][0-9][0-9] [^\x00-\x1f\x7f-\x9f\u0100-\U0010ffff]*\Z")


# Statuses (with their code and reason phrase) and header names already found valid (apps
# send the same few again and again); bounded, so that an app inventing names cannot grow
# them without limit.
_VALID_STATUSES: dict[str, tuple[int, str]] = {}
_VALID_NAMES: set[str] = set()
_CACHE_LIMIT = 512


def check_status(status: object, app: str) -> None:
    """Refuse a status that is not ``"NNN reason"`` (100 to 599) as a latin-1 string
    without control characters."""
    if type(status) is str and status in _VALID_STATUSES:
        return
    if type(status) is not str or not _STATUS.match(status):
        raise WSGIProtocolError(
            f"WSGI application {app} gave the status {status!r}; PEP 3333 wants a str like "
            "'200 OK' (a code from 100 to 599, a space, a reason phrase without control "
            "characters)"
        )
    if len(_VALID_STATUSES) < _CACHE_LIMIT:
        _VALID_STATUSES[status] = (int(status[:3]), status[4:])


def check_headers(headers: object, app: str) -> None:
    """Refuse response headers PEP 3333 does not allow, and CR/LF (header injection)."""
    if type(headers) is not list:
        raise WSGIProtocolError(
            f"WSGI application {app} gave response headers as {type(headers).__name__}; "
            "PEP 3333 wants a list of (name, value) tuples"
        )
    for item in headers:
        if type(item) is not tuple or len(item) != 2:
            raise WSGIProtocolError(
                f"WSGI application {app} gave the header {item!r}; PEP 3333 wants a "
                "(name, value) tuple of two str"
            )
        name, value = item
        if type(name) is not str or (name not in _VALID_NAMES and not _valid_name(name)):
            raise WSGIProtocolError(f"WSGI application {app} gave the invalid header name {name!r}")
        if type(value) is not str:
            raise WSGIProtocolError(
                f"WSGI application {app} gave header {name} the value {value!r} "
                f"({type(value).__name__}); PEP 3333 wants str"
            )
        # Three memchr() scans of an ASCII value are cheaper than one regex search.
        if (
            ("\r" in value or "\n" in value or "\x00" in value)
            if value.isascii()
            else _BAD_VALUE.search(value)
        ):
            if "\r" in value or "\n" in value:
                raise WSGIProtocolError(
                    f"WSGI application {app} gave header {name} a value with CR or LF "
                    f"(header injection refused): {value!r}"
                )
            raise WSGIProtocolError(
                f"WSGI application {app} gave header {name} the value {value!r}, which is "
                "not a latin-1 string without control characters"
            )


def _valid_name(name: str) -> bool:
    if not _TOKEN.match(name):
        return False
    if len(_VALID_NAMES) < _CACHE_LIMIT:
        _VALID_NAMES.add(name)
    return True


class CloseOnce:
    """Iterate *iterable* (after any *head* chunks); ``close()`` reaches it once, however often
    it is called. Every chunk must be ``bytes``: a ``str`` chunk is a protocol error naming
    *app*, never silently encoded."""

    __slots__ = ("_app", "_closed", "_head", "_iterable", "_iterator")

    def __init__(
        self,
        iterable: Iterable[bytes],
        *,
        head: list[bytes] | None = None,
        iterator: Iterator[bytes] | None = None,
        app: str = "",
    ) -> None:
        self._iterable = iterable
        self._iterator = iterator
        self._head = head
        self._closed = False
        self._app = app

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._head:
            return self._head.pop(0)
        if self._iterator is None:
            self._iterator = iter(self._iterable)
        try:
            chunk = next(self._iterator)
        except StopIteration:
            raise
        except Exception as exc:
            _name_app(exc, self._app)
            raise
        if type(chunk) is not bytes:
            _bad_chunk(chunk, self._app)
        return chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                _close(self._iterable)
            except Exception as exc:
                # Django's response.close() swallows what its closers raise: log it here.
                _name_app(exc, self._app)
                _log.error("close() of WSGI application %s raised", self._app, exc_info=True)
                raise

    @property
    def closed(self) -> bool:
        return self._closed


def _bad_chunk(chunk: object, app: str) -> None:
    if isinstance(chunk, bytes):  # a bytes subclass is still bytes
        return
    raise WSGIProtocolError(
        f"WSGI application {app} yielded a {type(chunk).__name__} chunk ({chunk!r:.40}); "
        "PEP 3333 wants bytes"
    )


@dataclass(slots=True)
class AppResult:
    """What a WSGI application answered: status, headers and body.

    ``body`` is a list of bytes when the whole body is known (the app returned a list or
    tuple, or was exhausted while priming); otherwise a :class:`CloseOnce` to stream.
    ``close()`` closes the application's iterable (once).
    """

    status: str
    headers: list[tuple[str, str]]
    body: list[bytes] | CloseOnce
    closer: CloseOnce | None = None

    @property
    def buffered(self) -> bool:
        return type(self.body) is list

    def close(self) -> None:
        if self.closer is not None:
            self.closer.close()


class _Call:
    """The state of one application call: its ``start_response`` and ``write``."""

    __slots__ = ("app", "headers", "returned", "status", "written")

    def __init__(self, app: str) -> None:
        self.app = app
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []
        self.returned = False  # once call_app has returned, the headers count as sent

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: _ExcInfo | tuple[None, None, None] | None = None,
        /,
    ) -> Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None:
            try:
                if self.returned:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise WSGIProtocolError(
                f"WSGI application {self.app} called start_response a second time without exc_info"
            )
        check_status(status, self.app)
        check_headers(headers, self.app)
        self.status, self.headers = status, headers
        return self.write

    def write(self, data: bytes) -> None:
        if self.status is None:
            raise WSGIProtocolError(
                f"WSGI application {self.app} called write() before start_response"
            )
        if type(data) is not bytes:
            _bad_chunk(data, self.app)
        if data:
            self.written.append(data)


class _WrittenThenBody:
    """The body of an app that used ``write()``: what it wrote, then its iterable, with
    anything written during iteration kept in order."""

    __slots__ = ("_body", "_call")

    def __init__(self, call: _Call, body: CloseOnce) -> None:
        self._call = call
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        written = self._call.written
        while True:
            while written:
                yield written.pop(0)
            try:
                chunk = next(self._body)
            except StopIteration:
                break
            if written:
                written.append(chunk)
            else:
                yield chunk
        while written:
            yield written.pop(0)

    def close(self) -> None:
        self._body.close()


def call_app(app: WSGIApplication, environ: WSGIEnvironment, *, name: str) -> AppResult:
    """Call *app* and prime its result until the status is known.

    A lazy app (a generator that calls ``start_response`` on its first step) is iterated
    until its first non-empty chunk, as a server must before it sends headers; so is
    every other non-list iterable, which also lets an app replace its status with
    ``exc_info`` until then. Whatever is raised on the way closes the app's iterable.
    """
    return AppResult(*_call_app(app, environ, name))


_Answer = tuple[str, list[tuple[str, str]], list[bytes] | CloseOnce, CloseOnce | None]
"""status, headers, body (as :class:`AppResult`'s) and the iterable to close (or None)"""


def _call_app(app: WSGIApplication, environ: WSGIEnvironment, name: str) -> _Answer:
    """:func:`call_app`'s work, answering ``(status, headers, body, closer)`` as a tuple."""
    call = _Call(name)
    try:
        result = app(environ, call.start_response)
    except Exception as exc:
        _name_app(exc, name)
        raise
    closed = False  # the result is closed once, here or by the returned CloseOnce
    try:
        if isinstance(result, (list, tuple)):
            if call.status is None:
                raise WSGIProtocolError(
                    f"WSGI application {name} returned without calling start_response"
                )
            # A plain list is used as it is; anything else (a tuple, a list subclass that
            # may have a close()) is copied, then closed.
            chunks: list[bytes] = (
                result if type(result) is list and not call.written else [*call.written, *result]
            )
            for chunk in chunks:
                if type(chunk) is not bytes:
                    _bad_chunk(chunk, name)
            closed = True
            if chunks is not result:
                _close(result)
            call.returned = True
            return call.status, call.headers, chunks, None
        iterator = iter(result)
        head: list[bytes] = []
        for chunk in iterator:
            if type(chunk) is not bytes:
                _bad_chunk(chunk, name)
            if call.status is None:
                raise WSGIProtocolError(
                    f"WSGI application {name} yielded body data before calling start_response"
                )
            if chunk:
                head.append(chunk)
                break
        else:  # exhausted: the whole body is known
            if call.status is None:
                raise WSGIProtocolError(
                    f"WSGI application {name} returned without calling start_response"
                )
            closed = True
            _close(result)
            call.returned = True
            return call.status, call.headers, call.written, None
        closer = CloseOnce(result, head=head, iterator=iterator, app=name)
    except BaseException as exc:
        _name_app(exc, name)
        if not closed:
            _close(result)
        raise
    call.returned = True
    assert call.status is not None
    if call.written:
        body = CloseOnce(_WrittenThenBody(call, closer), app=name)
        return call.status, call.headers, body, closer
    return call.status, call.headers, closer, closer
