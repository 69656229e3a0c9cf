"""Django middleware for the WSGI → Django bridge tests: each one does to the request or
the response what real middleware does (read the body, parse a form or an upload, fail
after the view) so the tests can check what the mounted app gets."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class _Middleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response


class ReadBody(_Middleware):
    """Reads ``request.body`` before the view (as e.g. a request-logging middleware does)."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.body  # noqa: B018
        return self.get_response(request)


class ReadPost(_Middleware):
    """Parses ``request.POST`` before the view."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.POST  # noqa: B018
        return self.get_response(request)


class ReadFiles(_Middleware):
    """Parses ``request.FILES`` before the view: Django streams a multipart body."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.FILES  # noqa: B018
        return self.get_response(request)


class MetaUnchanged(_Middleware):
    """Says in ``X-Meta-Unchanged`` whether the view left ``request.META`` as it was."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        before = dict(request.META)
        response = self.get_response(request)
        same = before == request.META and all(request.META[k] is v for k, v in before.items())
        response["X-Meta-Unchanged"] = "yes" if same else "no"
        return response


class FailAfterView(_Middleware):
    """Raises after the view has returned, so Django answers with its 500 instead."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        self.get_response(request)
        raise RuntimeError("middleware failed after the view")
