"""Helpers for the reliability suite: call a WSGI app as a server would, and response
iterables that count their ``close()``.

``serve(app, "/x")`` builds a PEP 3333 environ, calls *app* through
:func:`wsgiref.validate.validator`, iterates the result and always closes it, as a server
does; an exception while iterating (after the headers went out) is returned as ``error``
instead of raised, which is what a server does when it aborts the connection.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator


@dataclass
class Served:
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: BaseException | None = None  # raised while iterating: the server aborts

    @property
    def code(self) -> int:
        return int(self.status[:3])

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def environ_for(
    path: str = "/",
    *,
    method: str = "GET",
    script_name: str = "",
    query: str = "",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    setup_testing_defaults(environ)
    environ["HTTP_HOST"] = "127.0.0.1"
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = value
    environ.update(extra or {})
    return environ


def serve(app: Callable[..., Any], path: str = "/", **kwargs: Any) -> Served:
    """Call *app* (validated) like a server: iterate, close in ``finally``."""
    environ = environ_for(path, **kwargs)
    served = Served()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        served.status, served.headers = status, list(headers)
        return lambda data: None

    result = validator(app)(environ, start_response)
    chunks: list[bytes] = []
    try:
        for chunk in result:
            chunks.append(chunk)
    except Exception as exc:  # what a server does: log, abort the connection, close
        served.error = exc
    finally:
        result.close()
    served.body = b"".join(chunks)
    return served


class Tracked:
    """A response iterable over *chunks* (an iterator, e.g. a generator) that counts how
    often ``close()`` reached it; ``close_error`` makes ``close()`` raise after counting."""

    def __init__(
        self,
        chunks: Iterator[Any],
        registry: list[Tracked] | None = None,
        close_error: BaseException | None = None,
    ) -> None:
        self._chunks = chunks
        self.closes = 0
        self.close_error = close_error
        if registry is not None:
            registry.append(self)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return next(self._chunks)

    def close(self) -> None:
        self.closes += 1
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        if self.close_error is not None:
            raise self.close_error


class TrackedList(list):  # type: ignore[type-arg]
    """A list response whose ``close()`` is counted (PEP 3333 allows a list subclass)."""

    def __init__(
        self,
        items: Iterable[Any],
        registry: list[Any] | None = None,
        close_error: BaseException | None = None,
    ) -> None:
        super().__init__(items)
        self.closes = 0
        self.close_error = close_error
        if registry is not None:
            registry.append(self)

    def close(self) -> None:
        self.closes += 1
        if self.close_error is not None:
            raise self.close_error


class CloseStats:
    """Thread-safe counts of response iterables opened and of their ``close()`` calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.opened = 0
        self.closed = 0
        self.closed_twice = 0

    def track(self, iterable: Iterable[bytes]) -> StatsBody:
        with self._lock:
            self.opened += 1
        return StatsBody(iterable, self)

    def _closed(self, first: bool) -> None:
        with self._lock:
            if first:
                self.closed += 1
            else:
                self.closed_twice += 1

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {
                "opened": self.opened,
                "closed": self.closed,
                "closed_twice": self.closed_twice,
                "open": self.opened - self.closed,
            }


class StatsBody:
    def __init__(self, iterable: Iterable[bytes], stats: CloseStats) -> None:
        self._iterable = iterable
        self._iterator = iter(iterable)
        self._stats = stats
        self._closes = 0

    def __iter__(self) -> Iterator[bytes]:
        return self._iterator

    def close(self) -> None:
        self._closes += 1
        self._stats._closed(self._closes == 1)
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()


def counting(app: Callable[..., Any], stats: CloseStats) -> Callable[..., Any]:
    """Wrap *app* so that every response iterable it returns is counted in *stats*."""

    def counted(environ: dict[str, Any], start_response: Any) -> StatsBody:
        return stats.track(app(environ, start_response))

    counted.__name__ = getattr(app, "__name__", "counted")
    return counted
