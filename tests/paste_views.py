"""Views, patterns and a middleware the PasteDeploy tests name in their ini files."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotFound
from django.urls import path, reverse
from django.views import View


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        f"hello {request.path} script={request.META['SCRIPT_NAME']}", content_type="text/plain"
    )


def named(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"named at {reverse('paste-named')}", content_type="text/plain")


def settings_view(request: HttpRequest) -> HttpResponse:
    """What djwsgi configured, for the subprocess tests of django.NAME and debug."""
    values = {name: getattr(settings, name) for name in ("DEBUG", "TIME_ZONE", "ALLOWED_HOSTS")}
    return HttpResponse(repr(values), content_type="text/plain")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseNotFound("custom 404 of tests.paste_urls", content_type="text/plain")


class Page(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("page")


page = Page.as_view()


class Stamp:
    """A middleware that marks the responses it saw."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response["X-Stamp"] = "stamped"
        return response


patterns = [path("named/", named, name="paste-named")]
