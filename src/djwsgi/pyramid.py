"""Django inside Pyramid: ``config.add_django_app()``, a streaming ``wsgiapp2``.

::

    config = Configurator()
    config.include("djwsgi.pyramid")
    config.add_django_app("legacy", "/legacy", "legacy.urls", settings="legacy.settings")

``/legacy`` and ``/legacy/...`` (never ``/legacyfoo``) reach the Django URLconf with the path
shift of :func:`pyramid.wsgi.wsgiapp2`: ``SCRIPT_NAME`` gains ``/legacy`` and ``PATH_INFO`` is
the rest (``/`` for ``/legacy`` itself), so Django's ``reverse()`` answers under the prefix,
and ``request.route_url("legacy", subpath="/admin/")`` is the Django admin. Unlike
``wsgiapp2``, which calls the app with ``request.copy()`` (a copy of the whole request body),
the request body streams to Django as the server gives it, and Django's response streams
back with its status and headers verbatim (a relative ``Location`` stays relative).

The Pyramid request is in the Django request's ``META["djwsgi.pyramid_request"]``, e.g. to
link back to a Pyramid route: ``request.META["djwsgi.pyramid_request"].route_url("home")``.
Registry settings: ``djwsgi.settings`` is the default ``settings=`` of every Django app.

This is the only djwsgi module that imports Pyramid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from webob.response import EmptyResponse

from ._types import StartResponse, Target, WSGIApplication, WSGIEnvironment
from .conf import ConfigurationError
from .environ import call_app, shift_path, to_wsgi_str
from .handler import DjangoApplication, wsgi_application

__all__ = ["add_django_app", "includeme"]

#: The environ key holding the Pyramid request, for the Django side.
PYRAMID_REQUEST_KEY = "djwsgi.pyramid_request"

_SUBPATH = "subpath"


def includeme(config: Configurator) -> None:
    """Add the ``config.add_django_app()`` directive (``config.include("djwsgi.pyramid")``)."""
    config.add_directive("add_django_app", add_django_app)


def add_django_app(
    config: Configurator,
    route_name: str,
    pattern: str,
    target: Target | DjangoApplication,
    **wsgi_application_kwargs: Any,
) -> DjangoApplication:
    """Serve ``wsgi_application(target)`` at *pattern* and everything under it.

    ::

        config.add_django_app("legacy", "/legacy", "legacy.urls")

    :param route_name: the Pyramid route's name: ``request.route_url(route_name)`` is the
        Django app's root, ``request.route_url(route_name, subpath="/a/b")`` a URL in it.
    :param pattern: the prefix, a Pyramid route pattern (``/legacy``, ``/{tenant}/legacy``);
        ``""`` or ``"/"`` mounts at the root.
    :param target: what :func:`djwsgi.wsgi_application` takes (a view, a URLconf, a dotted
        path), or an application it returned.
    :param wsgi_application_kwargs: ``middleware=``, ``settings=`` (default: the registry
        setting ``djwsgi.settings``).
    :returns: the Django WSGI application. Django is set up and the target imported when
        the configuration is committed, so a broken dotted path fails at start-up.
    """
    if isinstance(target, DjangoApplication):
        if wsgi_application_kwargs:
            raise ConfigurationError(
                f"add_django_app({route_name!r}): {target!r} is built already; pass "
                f"{', '.join(sorted(wsgi_application_kwargs))} to wsgi_application() instead"
            )
        app = target
    else:
        settings: Mapping[str, Any] = config.get_settings() or {}
        if settings.get("djwsgi.settings") and "settings" not in wsgi_application_kwargs:
            wsgi_application_kwargs["settings"] = settings["djwsgi.settings"]
        app = cast(DjangoApplication, wsgi_application(target, **wsgi_application_kwargs))
    route_pattern, root = _route_pattern(route_name, pattern)
    config.add_route(route_name, route_pattern, pregenerator=_pregenerator(root))
    config.add_view(django_app_view(app), route_name=route_name)
    # Set Django up (and import the target) when the configuration is committed.
    config.action(None, app.setup, order=0)
    return app


def _route_pattern(route_name: str, pattern: str) -> tuple[str, bool]:
    if not isinstance(pattern, str):
        raise ConfigurationError(
            f"add_django_app({route_name!r}): pattern {pattern!r} is not a string"
        )
    prefix = pattern.rstrip("/")
    if "*" in prefix or "{subpath" in prefix:
        raise ConfigurationError(
            f"add_django_app({route_name!r}): pattern {pattern!r} must be a prefix such as "
            "'/legacy'; djwsgi adds the subpath itself"
        )
    if not prefix:
        return "/{subpath:(?s:.*)}", True
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    # The prefix itself or the prefix and a "/...": on a path-segment boundary only.
    return prefix + "{subpath:(?s:/.*)?}", False


def _pregenerator(root: bool) -> Callable[[Request, Any, dict[str, Any]], Any]:
    """``route_url(name)`` without ``subpath``; ``subpath`` as a path or a sequence of
    segments, with or without its leading ``/``."""

    def pregenerator(
        request: Request, elements: Any, kw: dict[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        subpath = kw.get(_SUBPATH, "")
        if not isinstance(subpath, str):
            subpath = "/".join(str(segment) for segment in subpath)
        subpath = subpath.lstrip("/")
        kw[_SUBPATH] = subpath if root or not subpath else "/" + subpath
        return elements, kw

    return pregenerator


def django_app_view(app: WSGIApplication) -> Callable[[Any, Request], Response]:
    """A Pyramid view calling *app* with the ``subpath`` of its route as ``PATH_INFO``.

    Like :func:`pyramid.wsgi.wsgiapp2` but without copying the request: the environ is a new
    dict with the server's ``wsgi.input``, and the response streams the app's iterable.
    """

    def view(context: Any, request: Request) -> Response:
        environ = _shifted_environ(request)
        result = call_app(app, environ, name=repr(app))
        return _PassThroughResponse(result.status, result.headers, result.body)

    view.__name__ = view.__qualname__ = f"django_app_view({app!r})"
    view.__module__ = __name__
    view.wsgi_app = app  # type: ignore[attr-defined]
    return view


def _shifted_environ(request: Request) -> WSGIEnvironment:
    # Postconditions (as wsgiapp2's): SCRIPT_NAME is "" or starts with "/" and never ends
    # with "/"; PATH_INFO starts with "/"; SCRIPT_NAME + PATH_INFO is the request's path
    # (with a "/" added when the path is the prefix itself).
    source = request.environ
    environ = {key: value for key, value in source.items() if not key.startswith("webob.")}
    path_info = source.get("PATH_INFO", "")
    rest = to_wsgi_str(request.matchdict.get(_SUBPATH, ""))
    try:
        script_name, path_info = shift_path(source.get("SCRIPT_NAME", ""), path_info, rest)
    except ValueError as exc:
        raise ConfigurationError(
            f"route {request.matched_route.name!r}: PATH_INFO {path_info!r} changed after "
            f"routing: {exc}"
        ) from exc
    environ["SCRIPT_NAME"] = script_name
    environ["PATH_INFO"] = path_info or "/"
    if source.get("webob.is_body_seekable"):
        # Something in Pyramid read the body (request.body, request.POST): WebOb replaced
        # wsgi.input with a seekable copy; give the app all of it.
        request.body_file_raw.seek(0)
    environ[PYRAMID_REQUEST_KEY] = request
    return environ


class _PassThroughResponse(Response):  # type: ignore[misc]
    """A response served as the app gave it: WebOb's ``Response.__call__`` would make a
    relative ``Location`` absolute. HEAD gets no body; ``close()`` reaches the app."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: Iterable[bytes]):
        super().__init__(status=status, headerlist=headers, app_iter=body)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        start_response(self.status, self.headerlist)
        if environ["REQUEST_METHOD"] == "HEAD":
            return EmptyResponse(self.app_iter)
        return self.app_iter
