"""Django → WSGI: a view, a URLconf or a pattern list as a plain WSGI application.

Save this as ``app.py`` and serve it with ``waitress-serve app:application``::

    from django.http import HttpResponse
    import djwsgi

    def hello(request):
        return HttpResponse(f"Hello from {request.path}")

    application = djwsgi.wsgi_application(hello)

Each request goes through Django's own handler (signals, middleware, exception handling,
``response.close()``); the target is the request's ``urlconf``, so ``reverse()`` answers
under whatever ``SCRIPT_NAME`` the application is mounted at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any

from django.core import signals
from django.core.handlers import base as _base
from django.core.handlers.wsgi import WSGIHandler, get_script_name
from django.http import HttpRequest, HttpResponseBase
from django.urls import (
    URLPattern,
    URLResolver,
    get_resolver,
    get_script_prefix,
    get_urlconf,
    set_script_prefix,
    set_urlconf,
)
from django.urls.resolvers import RegexPattern
from django.utils.log import log_response
from django.utils.module_loading import import_string

from ._types import StartResponse, Target, WSGIApplication, WSGIEnvironment
from .conf import ConfigurationError, ensure_setup, import_target, locate_target, select_settings
from .convert import close_resources

__all__ = ["wsgi_application"]

#: The environ key under which djwsgi hands a mounted app the outer Django request; its
#: presence tells a nested ``wsgi_application`` that the outer request owns the signals.
OUTER_REQUEST_KEY = "djwsgi.request"

# Status codes whose responses never carry a body, so never a Content-Length (RFC 9110).
_NO_BODY_STATUS = frozenset({204, 304})


def wsgi_application(
    target: Target,
    *,
    middleware: Sequence[str] | None = None,
    settings: str | Mapping[str, Any] | None = None,
) -> WSGIApplication:
    """Turn a Django view, pattern list or URLconf into a WSGI application.

    ::

        application = wsgi_application("blog.urls", settings="mysite.settings")

    :param target: a view callable (answers every path under the mount point); a list of
        URL patterns or a module with ``urlpatterns`` (routed like ``ROOT_URLCONF``); or a
        dotted string, ``"pkg.urls"`` or ``"pkg.mod:attr"``.
    :param middleware: the middleware chain for this application, as dotted paths;
        ``None`` uses ``settings.MIDDLEWARE``.
    :param settings: a settings module's dotted name or a mapping for
        ``settings.configure()``; ``None`` uses the process's settings, or minimal ones.
    :raises ConfigurationError: naming the culprit, for a target of the wrong type, a
        dotted path whose module does not exist, or settings that conflict with those
        already in force.
    """
    select_settings(settings)
    return DjangoApplication(target, middleware=middleware)


class _PatternList:
    """A URLconf made of a pattern list: hashable (Django caches resolvers per URLconf)."""

    def __init__(self, urlpatterns: Sequence[Any], origin: str) -> None:
        self.urlpatterns = list(urlpatterns)
        self.origin = origin

    def __repr__(self) -> str:
        return f"<URLconf of {self.origin}>"


def _describe(target: object) -> str:
    if isinstance(target, str):
        return repr(target)
    if isinstance(target, ModuleType):
        return f"module {target.__name__!r}"
    if not callable(target) and not isinstance(target, (list, tuple)):
        return repr(target)[:80]  # the value itself names the culprit, not its type
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    module = getattr(target, "__module__", None)
    return f"{module}.{name}" if module else name


def _check_patterns(patterns: Sequence[Any], origin: str) -> None:
    for item in patterns:
        if not isinstance(item, (URLPattern, URLResolver)):
            raise ConfigurationError(
                f"{origin}: {item!r} is not a URL pattern (expected path(), re_path() or "
                "include() entries)"
            )


def _as_urlconf(target: object, origin: str) -> object:
    """Classify an imported target; return something ``get_resolver()`` accepts."""
    if isinstance(target, (list, tuple)):
        _check_patterns(target, origin)
        return _PatternList(target, origin)
    if isinstance(target, str):
        raise ConfigurationError(f"{origin}: expected a view or URL patterns, got a string")
    if hasattr(target, "urlpatterns"):
        patterns = target.urlpatterns
        if not isinstance(patterns, (list, tuple)):
            raise ConfigurationError(
                f"{origin}: urlpatterns is {type(patterns).__name__}, expected a list"
            )
        return target
    if isinstance(target, ModuleType):
        raise ConfigurationError(
            f"{origin}: module {target.__name__!r} has no urlpatterns (expected a URLconf "
            "module, or 'package.module:view' for a view)"
        )
    if isinstance(target, type):
        example = f" such as {target.__name__}.as_view()" if hasattr(target, "as_view") else ""
        raise ConfigurationError(f"{origin} is a class; pass a view callable{example}")
    if callable(target):
        return _PatternList([URLPattern(_EveryPath(r"", is_endpoint=True), target)], origin)
    raise ConfigurationError(
        f"{origin} ({type(target).__name__}) is neither a view, a list of URL patterns nor "
        "a module with urlpatterns"
    )


class _EveryPath(RegexPattern):
    """``re_path(r"", view)``'s pattern, matching every path without running the regex."""

    def match(self, path: str) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return path, (), {}


class _LoadingSettings:
    """``django.conf.settings`` as seen by ``django.core.handlers.base`` while one handler
    loads a middleware chain of its own: ``MIDDLEWARE`` is that chain in the loading
    thread only; everything else, and every other thread, sees the real settings."""

    _local = threading.local()

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        if name == "MIDDLEWARE":
            chain = getattr(self._local, "middleware", None)
            if chain is not None:
                return chain
        return getattr(self._real, name)


_load_lock = threading.Lock()


class DjangoApplication(WSGIHandler):
    """The WSGI application :func:`wsgi_application` returns (a Django ``WSGIHandler``).

    Unlike ``WSGIHandler`` it loads its middleware on the first request (settings may not
    exist when it is built), routes by its own URLconf, gives the handler a copy of the
    environ, adds ``Content-Length`` to non-streaming responses, and leaves the request
    signals to the outer request when it is called from inside another Django request.
    """

    _middleware_chain: Callable[[HttpRequest], HttpResponseBase] | None = None
    _urlconf: Any

    def __init__(self, target: Target, *, middleware: Sequence[str] | None = None) -> None:
        # WSGIHandler.__init__ would load settings.MIDDLEWARE now; that waits for setup().
        self.target = target
        self.name = _describe(target)
        if isinstance(target, str):
            locate_target(target, what="target")
            self._urlconf = None
        else:
            self._urlconf = _as_urlconf(target, f"target {self.name}")
        if middleware is not None:
            if isinstance(middleware, str) or not all(isinstance(m, str) for m in middleware):
                raise ConfigurationError(
                    f"middleware={middleware!r}: expected a list of dotted paths"
                )
            middleware = list(middleware)
        self.middleware = middleware
        self._setup_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<djwsgi application for {self.name}>"

    @property
    def urlconf(self) -> object:
        """The URLconf requests are routed by (imports a dotted target: call after setup)."""
        if self._urlconf is None:
            self.setup()
        return self._urlconf

    def setup(self) -> None:
        """Set Django up, import the target and load the middleware chain.

        Runs on the first request; PasteDeploy factories call it at start-up so that every
        dotted path is checked before the server listens.
        """
        if self._middleware_chain is not None:
            return
        with self._setup_lock:
            if self._middleware_chain is not None:
                return
            ensure_setup()
            if self._urlconf is None:
                assert isinstance(self.target, str)
                imported = import_target(self.target, what="target")
                self._urlconf = _as_urlconf(imported, f"target {self.name}")
            self._load_middleware()

    def _load_middleware(self) -> None:
        from django.conf import settings

        chain = settings.MIDDLEWARE if self.middleware is None else self.middleware
        for path in chain:
            try:
                import_string(path)
            except ImportError as exc:
                raise ConfigurationError(f"middleware {path!r}: {exc}") from exc
        if self.middleware is None:
            self.load_middleware()
            return
        with _load_lock:
            real = vars(_base)["settings"]
            setattr(_base, "settings", _LoadingSettings(real))  # noqa: B010
            _LoadingSettings._local.middleware = self.middleware
            try:
                self.load_middleware()
            finally:
                _LoadingSettings._local.middleware = None
                setattr(_base, "settings", real)  # noqa: B010

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        # BaseHandler.get_response with this application's URLconf in place of
        # settings.ROOT_URLCONF, for routing and for the error handlers alike.
        request.urlconf = self._urlconf  # type: ignore[attr-defined, unused-ignore]
        set_urlconf(self._urlconf)
        assert self._middleware_chain is not None
        response = self._middleware_chain(request)
        response._resource_closers.append(request.close)  # type: ignore[attr-defined]
        if response.status_code >= 400:
            log_response(
                "%s: %s",
                response.reason_phrase,
                request.path,
                response=response,  # type: ignore[arg-type]
                request=request,
            )
        return response

    def resolve_request(self, request: HttpRequest) -> Any:
        # get_response() has set this application's URLconf for the thread already, so
        # skip BaseHandler's second set_urlconf() (a context-local write, a few percent of
        # a small request) unless a middleware chose another URLconf for this request.
        if getattr(request, "urlconf", None) is not self._urlconf:
            return super().resolve_request(request)
        match = get_resolver(self._urlconf).resolve(request.path_info)
        request.resolver_match = match
        return match

    def __call__(  # type: ignore[override]
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        if self._middleware_chain is None:
            self.setup()
        # Django rewrites the dict it is given (PATH_INFO, SCRIPT_NAME): give it a copy so
        # the caller's environ (a urlmap, a validator, an outer Django request) is untouched.
        environ = dict(environ)
        if OUTER_REQUEST_KEY in environ:
            return self._call_nested(environ, start_response)
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = self.request_class(environ)
        response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        start_response(*_status_and_headers(response, request))
        # response.close() closes the file and sends request_finished.
        wrapped = _file_wrapped(environ, response, response.close)
        return response if wrapped is None else wrapped

    def _call_nested(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        # Inside another Django request in this thread: that request owns request_started
        # and request_finished (which close database connections), so neither is sent
        # here, and its urlconf and script prefix are restored once this one is done.
        outer = (get_urlconf(), get_script_prefix())
        set_script_prefix(get_script_name(environ))
        try:
            request = self.request_class(environ)
            response = self.get_response(request)
            start_response(*_status_and_headers(response, request))
            inner = (get_urlconf(), get_script_prefix())
        except BaseException:
            _restore(outer)
            raise
        _restore(outer)
        body = _NestedBody(response, outer, inner)
        wrapped = _file_wrapped(environ, response, body.close)
        return body if wrapped is None else wrapped


def _file_wrapped(
    environ: WSGIEnvironment, response: HttpResponseBase, close: Callable[[], None]
) -> Iterable[bytes] | None:
    """A FileResponse's file in the server's ``wsgi.file_wrapper``, if it has one. The
    server closes the wrapper, not the response: the file's ``close`` becomes *close*."""
    file_to_stream = getattr(response, "file_to_stream", None)
    if file_to_stream is None or not environ.get("wsgi.file_wrapper"):
        return None
    file_to_stream.close = close
    return environ["wsgi.file_wrapper"](file_to_stream, response.block_size)  # type: ignore[attr-defined, no-any-return]


def _status_and_headers(
    response: HttpResponseBase, request: HttpRequest
) -> tuple[str, list[tuple[str, str]]]:
    code = response.status_code
    status = f"{code} {response.reason_phrase}"
    headers = list(response.items())
    if code in _NO_BODY_STATUS or code < 200:
        # No content, so nothing for Content-Type to describe; Django's HttpResponse adds
        # one to a 204 anyway, which wsgiref.validate (and RFC 9110's spirit) refuses.
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
    elif (
        not response.streaming
        # A HEAD response's body may be empty already (a mounted app's is), so its length
        # says nothing about the GET's: leave Content-Length to the view there.
        and request.method != "HEAD"
        # Not response.has_header(): it raises and catches a KeyError on every miss.
        and not any(name.lower() == "content-length" for name, _ in headers)
    ):
        headers.append(("Content-Length", str(len(response.content))))  # type: ignore[attr-defined]
    headers.extend(("Set-Cookie", c.OutputString()) for c in response.cookies.values())
    return status, headers


def _restore(saved: tuple[Any, str]) -> None:
    set_urlconf(saved[0])
    set_script_prefix(saved[1])


class _NestedBody:
    """A nested response's body: closing it runs the response's resource closers (files,
    the request) but sends no ``request_finished``, then restores the outer urlconf.

    A streaming body runs view code while it is pulled, after the outer request got its
    urlconf and script prefix back: each chunk is pulled under the inner ones, so a lazy
    ``reverse()`` answers under the inner mount point as it would at the top level."""

    def __init__(
        self, response: HttpResponseBase, outer: tuple[Any, str], inner: tuple[Any, str]
    ) -> None:
        self._response = response
        self._outer = outer
        self._inner = inner
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        if self._response.streaming:
            return self._pull()
        return iter(self._response)

    def _pull(self) -> Iterator[bytes]:
        chunks = iter(self._response)
        while True:
            _restore(self._inner)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                _restore(self._outer)
            yield chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close_resources(self._response)
        finally:
            _restore(self._outer)
