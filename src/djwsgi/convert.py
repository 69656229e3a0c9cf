"""Django ⇄ WebOb: requests and responses, converted without losing a header or a byte.

The four ``to_*`` functions are the building blocks of :func:`djwsgi.django_view`, usable on
their own, e.g. to call a WebOb-based app from a Django view and post-process its answer::

    from djwsgi import to_webob_request, to_django_response

    def wiki(request):
        response = to_webob_request(request).get_response(wiki_app)
        response.headers["X-Served-By"] = "wiki"
        return to_django_response(response)

What they keep: the status code *and* reason phrase; every header, in order, each
``Set-Cookie`` verbatim (other repeated names joined with ``", "``, as Django holds one
value per name); no invented ``Content-Type``; a streaming body stays streaming and its
iterable is closed exactly once.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Container, Iterable, Iterator
from http.cookies import CookieError, Morsel
from typing import Any

import webob
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.http.cookie import SimpleCookie
from django.http.response import ResponseHeaders

from ._types import WSGIEnvironment
from .environ import (
    _VALID_STATUSES,
    CloseOnce,
    check_headers,
    check_status,
    shift_path,
    to_wsgi_str,
)

__all__ = [
    "build_environ",
    "close_resources",
    "django_response",
    "to_django_request",
    "to_django_response",
    "to_webob_request",
    "to_webob_response",
]

# PEP 3333's own extension keys, kept whatever their values (checked first: they are the
# non-str values of nearly every request).
_WSGI_KEYS = frozenset(
    {
        "wsgi.version",
        "wsgi.url_scheme",
        "wsgi.input",
        "wsgi.errors",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.run_once",
        "wsgi.file_wrapper",
        "wsgi.input_terminated",
    }
)


def build_environ(
    request: HttpRequest,
    path_info: str | None = None,
    *,
    routing_args: tuple[tuple[Any, ...], dict[str, Any]] = ((), {}),
    remote_user: bool = True,
) -> WSGIEnvironment:
    """A new WSGI environ for a foreign app, from a Django request (``META`` is not touched).

    :param path_info: the captured rest of the path: what comes before it moves into
        ``SCRIPT_NAME``. ``None`` shifts nothing.
    :param routing_args: positional and keyword arguments of the URL match, passed on as
        ``wsgiorg.routing_args``.
    :param remote_user: set ``REMOTE_USER`` from the authenticated Django user (and remove
        it otherwise); ``False`` passes the server's value through.
    """
    meta = request.META
    # Postconditions: every CGI key (no dot, as PEP 3333 and wsgiref.validate tell them
    # apart) holds a str; SCRIPT_NAME is "" or starts with "/" and never ends with "/";
    # PATH_INFO is "" or starts with "/"; both PEP 3333 strings.
    environ = meta.copy()
    for key, value in meta.items():
        # A non-str value under a CGI key breaks the protocol (Django's CSRF_COOKIE_USED
        # and CSRF_COOKIE_NEEDS_UPDATE go so); under "webob." it is one of WebOb's caches of
        # the body or query, stale here. ("webob." <= key < "webob/") is
        # key.startswith("webob."), without a method call.
        if (
            type(value) is not str
            and key not in _WSGI_KEYS
            and ("." not in key or "webob." <= key < "webob/")
        ):
            del environ[key]
    if "CSRF_COOKIE" in environ:  # Django's copy of the CSRF cookie: not the app's business
        del environ["CSRF_COOKIE"]
    script_name: str = meta.get("SCRIPT_NAME", "")
    if path_info is None:
        script_name, shifted = script_name.rstrip("/"), request.path_info
    else:
        script_name, shifted = shift_path(script_name, request.path_info, path_info)
    environ["SCRIPT_NAME"] = script_name if script_name.isascii() else to_wsgi_str(script_name)
    environ["PATH_INFO"] = shifted if shifted.isascii() else to_wsgi_str(shifted)
    environ["wsgiorg.routing_args"] = routing_args
    environ["djwsgi.request"] = request

    body = getattr(request, "_body", None)
    if body is not None:  # Django has read the whole body already (request.body, .POST)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    elif getattr(request, "_read_started", False):
        environ["wsgi.input"] = _ConsumedInput()
    else:
        environ["wsgi.input"] = _RequestInput(request)

    if remote_user:
        if "REMOTE_USER" in environ:
            del environ["REMOTE_USER"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            environ["REMOTE_USER"] = to_wsgi_str(user.get_username())
    return environ


class _RequestInput:
    """``wsgi.input`` streaming the client's body through the Django request (which limits
    it to ``CONTENT_LENGTH``), so that nothing is buffered."""

    __slots__ = ("_request",)

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def read(self, size: int = -1, /) -> bytes:
        return self._request.read(size)

    def readline(self, size: int = -1, /) -> bytes:
        return self._request.readline(size)

    def readlines(self, hint: int = -1, /) -> list[bytes]:
        lines, total = [], 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class _ConsumedInput(_RequestInput):
    """``wsgi.input`` when Django consumed the body by streaming it (``request.FILES`` on a
    multipart upload): reading is an error, never a silently empty body. Not an
    ``OSError``: readers such as Werkzeug's take those for a client that went away and
    answer 400, losing the message."""

    def __init__(self) -> None:
        pass

    def read(self, size: int = -1, /) -> bytes:
        raise RuntimeError(
            "djwsgi: the request body was already consumed by Django (request.POST or "
            "request.FILES parsed a multipart upload by streaming it), so it cannot be "
            "passed to the mounted WSGI app; read request.body before request.POST in "
            "Django, or keep Django middleware from reading the form"
        )

    readline = read


def to_webob_request(django_request: HttpRequest) -> webob.Request:
    """A :class:`webob.Request` over a new environ built from *django_request* (its
    ``META`` is not touched); the body streams from the client unless Django read it.

    ::

        response = to_webob_request(request).get_response(app)
    """
    return webob.Request(build_environ(django_request))


def to_django_request(webob_request: webob.Request) -> HttpRequest:
    """A Django :class:`~django.core.handlers.wsgi.WSGIRequest` over a copy of
    *webob_request*'s environ (Django rewrites the dict it is given)."""
    return WSGIRequest(dict(webob_request.environ))


# The attributes a Morsel holds (Python 3.14 adds "partitioned"), and which are flags.
_MORSEL_ATTRIBUTES: frozenset[str] = frozenset(vars(Morsel)["_reserved"])
_MORSEL_FLAGS: frozenset[str] = frozenset(vars(Morsel)["_flags"])


class _RawCookie(Morsel[str]):
    """A ``Set-Cookie`` header kept as the app wrote it, attributes and all. Django sends
    ``cookie.output(header="")``: that is the original text, until Django code changes the
    cookie (``set_cookie()``, ``morsel["secure"] = True``), after which it is a normal
    cookie again, with the app's attributes (``HttpOnly``, ``SameSite``, ``Path``, ...)
    parsed into it so that the change adds to them instead of dropping them."""

    def __init__(self, raw: str) -> None:
        super().__init__()
        pair, *attributes = raw.split(";")
        name, _, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        try:
            super().set(name, value, value)
        except CookieError:  # a name the cookie module will not take: keep it as text
            self._key, self._value, self._coded_value = name, value, value
        self._extra: list[str] = []  # attributes Morsel does not know (e.g. Partitioned)
        for attribute in attributes:
            key, sep, val = attribute.strip().partition("=")
            key = key.strip().lower()
            if key in _MORSEL_ATTRIBUTES and (sep or key in _MORSEL_FLAGS):
                dict.__setitem__(self, key, val.strip() if sep else True)
            elif attribute.strip():
                self._extra.append(attribute.strip())
        self._raw: str | None = raw

    def set(self, key: str, val: str, coded_val: str) -> None:
        super().set(key, val, coded_val)
        self._raw = None

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._raw = None

    def update(self, values: Any) -> None:  # type: ignore[override]
        super().update(values)
        self._raw = None

    def OutputString(self, attrs: Container[str] | None = None) -> str:  # noqa: N802 (Morsel API)
        if self._raw is not None:
            return self._raw
        return "; ".join([super().OutputString(attrs), *self._extra])

    def output(self, attrs: Container[str] | None = None, header: str = "Set-Cookie:") -> str:
        if self._raw is None:
            return f"{header} {self.OutputString(attrs)}" if header else self.OutputString(attrs)
        return f"{header} {self._raw}" if header else self._raw

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[assignment]
        return {**state, "raw": self._raw, "extra": self._extra}

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        self._raw = state.get("raw")
        self._extra = state.get("extra", [])


def django_response(
    status: str,
    headers: list[tuple[str, str]],
    body: list[bytes] | CloseOnce,
    *,
    head: bool = False,
) -> HttpResponseBase:
    """Build the Django response for a WSGI answer whose status and headers are checked.

    A list body becomes an :class:`~django.http.HttpResponse`; a :class:`CloseOnce`
    becomes a :class:`~django.http.StreamingHttpResponse` that pulls it lazily and closes
    it when Django closes the response. *head* drops the body (closing the iterable).
    """
    # check_status keeps each status it passed with its code and reason phrase.
    code, reason = _VALID_STATUSES.get(status) or (int(status[:3]), status[4:])
    # The headers were checked (check_headers: token names, latin-1 values without CR, LF
    # or NUL), which is more than ResponseHeaders.__setitem__ would check again: they go
    # straight into its store, {lower-case name: (name, value)}. No Content-Type is added
    # when the app sent none.
    store: dict[str, tuple[str, str]] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "set-cookie":
            cookies.append(value)
            continue
        seen = store.get(key)
        store[key] = (name, value) if seen is None else (seen[0], f"{seen[1]}, {value}")
    response: HttpResponseBase
    if type(body) is list:
        if head:
            # The app's body is its GET body, so its length is true; an empty one says
            # nothing (apps and frameworks drop the body of a HEAD answer themselves).
            if any(body) and "content-length" not in store and code not in (204, 304):
                store["content-length"] = ("Content-Length", str(sum(map(len, body))))
            content = b""
        else:
            content = b"".join(body)
        if _FAST_RESPONSE:
            # HttpResponse(content, status=code, reason=reason) without its generic
            # __init__, which would parse and check a default Content-Type and the status
            # once more (half the cost of the response): the same attributes, set at once.
            response_headers = _new(ResponseHeaders)
            response_headers._store = store
            response = _new(HttpResponse)
            response.__dict__ = {
                "headers": response_headers,
                "_charset": None,
                "_resource_closers": [],
                "_handler_class": None,
                "cookies": _new_dict(SimpleCookie),  # as SimpleCookie(), without __init__
                "closed": False,
                "status_code": code,
                "_reason_phrase": reason,
                "_container": [content],
            }
        else:
            response = HttpResponse(content, content_type="", status=code, reason=reason)
            response.headers._store = store
    else:
        assert isinstance(body, CloseOnce)
        if head:
            # Still a streaming response, with no body: as an empty HttpResponse it would
            # get "Content-Length: 0" from CommonMiddleware, a lie about the GET's length.
            body.close()
            response = StreamingHttpResponse((), content_type="", status=code, reason=reason)
        else:
            response = StreamingHttpResponse(body, content_type="", status=code, reason=reason)
        response.headers._store = store
    if cookies:
        jar = response.cookies
        for raw in cookies:
            morsel = _RawCookie(raw)
            key = morsel.key
            n = 1
            while key in jar:  # a second cookie of the same name (another Path, Domain)
                n += 1
                key = f"{morsel.key}\x00{n}"
            dict.__setitem__(jar, key, morsel)
    return response


def _fast_response_matches() -> bool:
    """Whether :func:`django_response` builds an ``HttpResponse`` as the installed
    Django's constructor does: the same attributes, of the same types and values."""
    made = django_response("201 Made", [("X-A", "b")], [b"x"])
    built = HttpResponse(b"x", content_type="", status=201, reason="Made")
    del built.headers["Content-Type"]
    built.headers["X-A"] = "b"
    return _state(made) == _state(built)


def _state(response: HttpResponseBase) -> dict[str, tuple[type, Any]]:
    state = {key: (type(value), value) for key, value in vars(response).items()}
    state["headers"] = (type(response.headers), vars(response.headers))
    return state


_new = object.__new__
_new_dict = dict.__new__
#: True when the installed Django's HttpResponse is built as djwsgi knows; a Django that
#: changes it gets the generic constructor.
_FAST_RESPONSE = True
_FAST_RESPONSE = _fast_response_matches()


def to_django_response(webob_response: webob.Response) -> HttpResponseBase:
    """A Django response with *webob_response*'s status, reason, headers and body.

    A list ``app_iter`` becomes an :class:`~django.http.HttpResponse`; any other iterable a
    :class:`~django.http.StreamingHttpResponse` that pulls it lazily and closes it, once,
    when Django closes the response.

    :raises djwsgi.environ.WSGIProtocolError: for a header with CR/LF or that is not latin-1.
    """
    status, headers, app_iter = (
        webob_response.status,
        list(webob_response.headerlist),
        webob_response.app_iter,
    )
    name = f"response {webob_response!r:.60}"
    body: list[bytes] | CloseOnce
    if isinstance(app_iter, (list, tuple)):
        body = list(app_iter)
        for chunk in body:
            if type(chunk) is not bytes:
                CloseOnce(body, app=name).__next__()  # raises, naming the chunk
    else:
        body = CloseOnce(app_iter, app=name)
    try:
        check_status(status, name)
        check_headers(headers, name)
        return django_response(status, headers, body)
    except BaseException:
        if isinstance(body, CloseOnce):
            body.close()
        raise


def close_resources(response: HttpResponseBase) -> None:
    """Close what *response* holds (files, the app iterable) without the
    ``request_finished`` signal that ``response.close()`` sends, for a response that is
    part of a larger request."""
    closers: list[Callable[[], object]] = response._resource_closers  # type: ignore[attr-defined]
    for closer in closers:
        # As HttpResponseBase.close(): one failing closer never stops the rest.
        with contextlib.suppress(Exception):
            closer()
    closers.clear()
    response.closed = True


class _DjangoBody:
    """A Django response's content as a WSGI iterable whose ``close()`` (once) closes the
    response's resources."""

    __slots__ = ("_closed", "_iterator", "_response")

    def __init__(self, response: HttpResponseBase) -> None:
        self._response = response
        self._iterator: Iterator[bytes] = iter(response)
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self._iterator

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close_resources(self._response)


def to_webob_response(django_response: HttpResponseBase) -> webob.Response:
    """A :class:`webob.Response` with *django_response*'s status, reason, headers (each
    cookie as its own ``Set-Cookie``) and body; a streaming response stays streaming, and
    closing the WebOb response's ``app_iter`` closes the Django response's resources."""
    response = django_response
    headerlist = [
        *response.items(),
        *(("Set-Cookie", c.OutputString()) for c in response.cookies.values()),
    ]
    app_iter: Iterable[bytes]
    if response.streaming:
        app_iter = _DjangoBody(response)
    else:
        app_iter = [response.content]  # type: ignore[attr-defined]
        close_resources(response)
    return webob.Response(
        status=f"{response.status_code} {response.reason_phrase}",
        headerlist=headerlist,
        app_iter=app_iter,
    )
