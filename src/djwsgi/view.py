"""WSGI → Django: any WSGI application as a Django view, behind Django's middleware.

::

    from django.urls import path
    import djwsgi
    from wiki import app as wiki_app          # Flask, Pyramid, hgweb, a bare function...

    urlpatterns = [
        path("", home),
        djwsgi.mount("wiki/", wiki_app, name="wiki"),
    ]

``/wiki/page`` reaches the app with ``SCRIPT_NAME`` ending in ``/wiki`` and ``PATH_INFO`` of
``/page``; the Django user becomes ``REMOTE_USER``; the app's response, streaming or not,
comes back with every header and cookie as it sent them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern
from django.urls.resolvers import RegexPattern

from ._types import WSGIApplication
from .conf import ConfigurationError
from .convert import build_environ, django_response
from .environ import _call_app

__all__ = ["django_view", "mount"]


def _app_name(app: object) -> str:
    name = getattr(app, "__qualname__", None) or getattr(app, "__name__", None)
    if name is None:  # an instance, e.g. a Flask app object
        name = type(app).__qualname__
        label = getattr(app, "name", None) or getattr(app, "import_name", None)
        if isinstance(label, str):
            name = f"{name} {label!r}"
    module = getattr(app, "__module__", None) or type(app).__module__
    return f"{module}.{name}"


def django_view(
    app: WSGIApplication,
    *,
    remote_user: bool = True,
    csrf_exempt: bool = True,
) -> Callable[..., HttpResponseBase]:
    """Wrap a WSGI application as a Django view.

    The view takes ``path_info=`` from the URL pattern: the part of the path before it
    moves into ``SCRIPT_NAME``. Use :func:`mount` to get the pattern too, or::

        re_path(r"^wiki/(?P<path_info>.*)$", django_view(wiki_app))

    :param app: any WSGI application.
    :param remote_user: set ``REMOTE_USER`` to the authenticated Django user's name (and
        remove it for anonymous users); ``False`` passes the server's value through.
    :param csrf_exempt: leave CSRF checks to the app (default); ``False`` keeps Django's
        ``CsrfViewMiddleware`` check in front of it.
    """
    if not callable(app):
        raise ConfigurationError(f"django_view(): {app!r} is not a WSGI application (callable)")
    name = _app_name(app)

    def view(
        request: HttpRequest, *args: Any, path_info: str | None = None, **kwargs: Any
    ) -> HttpResponseBase:
        try:
            environ = build_environ(
                request, path_info, routing_args=(args, kwargs), remote_user=remote_user
            )
        except ValueError as exc:
            raise ConfigurationError(f"{name} mounted at {request.path!r}: {exc}") from exc
        status, headers, body, closer = _call_app(app, environ, name)
        try:
            response = django_response(status, headers, body, head=request.method == "HEAD")
        except BaseException:
            if closer is not None:
                closer.close()
            raise
        if closer is not None:
            _close_with_request(request, closer.close)
        return response

    view.__name__ = getattr(app, "__name__", type(app).__name__)
    view.__qualname__ = name.rpartition(".")[2] if "." in name else name
    view.__module__ = getattr(app, "__module__", None) or type(app).__module__
    view.__doc__ = getattr(app, "__doc__", None)
    view.__wrapped__ = app  # type: ignore[attr-defined]
    view.wsgi_app = app  # type: ignore[attr-defined]
    if csrf_exempt:
        view.csrf_exempt = True  # type: ignore[attr-defined]  # what CsrfViewMiddleware checks
    return view


def _close_with_request(request: HttpRequest, close: Callable[[], None]) -> None:
    """Close the app's iterable when Django closes the request, too: Django appends
    ``request.close`` to whatever response it finally sends, so a response that a
    middleware replaced (an error after the view) still closes the app's iterable."""
    closers: list[Callable[[], None]] | None = request.__dict__.get("_djwsgi_closers")
    if closers is None:
        closers = request._djwsgi_closers = []  # type: ignore[attr-defined]
        request_close = request.close

        def close_request() -> None:
            try:
                request_close()
            finally:
                for closer in closers:
                    closer()

        request.close = close_request  # type: ignore[method-assign]
    closers.append(close)


class MountPattern(RegexPattern):
    """Matches ``prefix`` and ``prefix/...`` on a path-segment boundary (never
    ``prefixfoo``) and captures the rest as ``path_info``; a plain prefix test, not a regex,
    while the regex it also carries serves ``reverse()``."""

    def __init__(self, prefix: str, name: str | None = None) -> None:
        self.prefix = prefix.strip("/")
        if self.prefix:
            regex = f"^{re.escape(self.prefix)}(?P<path_info>(?:/.*)?)\\Z"
        else:
            regex = r"^(?P<path_info>.*)\Z"
        super().__init__(regex, name=name, is_endpoint=True)
        # "wiki/" matches "wiki/..." ("" matches every path), keeping the "/": "/...".
        self._with_slash = f"{self.prefix}/" if self.prefix else ""
        self._length = len(self.prefix)
        # What Django shows as the route (ResolverMatch.route, error pages), asked for on
        # every match.
        self._route = f"{self.prefix}/<path:path_info>" if self.prefix else "<path:path_info>"

    def match(self, path: str) -> tuple[str, tuple[Any, ...], dict[str, Any]] | None:
        if path.startswith(self._with_slash):
            return "", (), {"path_info": path[self._length :]}
        if path == self.prefix:
            return "", (), {"path_info": ""}
        return None

    def check(self) -> list[Any]:
        return []

    def __str__(self) -> str:
        return self._route


def mount(
    prefix: str,
    app: WSGIApplication,
    *,
    name: str | None = None,
    **django_view_kwargs: Any,
) -> URLPattern:
    """A URL pattern serving *app* under *prefix* (like Paste's urlmap, inside a URLconf).

    ``mount("flask/", app)`` and ``mount("flask", app)`` both match ``flask`` and
    ``flask/...``, never ``flaskfoo``; ``""`` mounts at the URLconf's root. With *name*,
    ``reverse(name, kwargs={"path_info": "/x"})`` gives the URL of ``/x`` inside the app.

    :param django_view_kwargs: passed to :func:`django_view` (``remote_user``,
        ``csrf_exempt``).
    """
    if not isinstance(prefix, str):
        raise ConfigurationError(f"mount(): prefix {prefix!r} is not a string")
    return URLPattern(
        MountPattern(prefix, name=name), django_view(app, **django_view_kwargs), name=name
    )
