"""Views and a URLconf for tests/test_handler.py: each view says where Django thinks it is."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, path, re_path, reverse
from django.views import View


def where(request: HttpRequest) -> JsonResponse:
    """reverse() twice around a thread switch, so a shared prefix would show as cross-talk."""
    first = reverse("where")
    time.sleep(0)
    return JsonResponse(
        {
            "reverse": first,
            "reverse_again": reverse("where"),
            "script_prefix": get_script_prefix(),
            "path": request.path,
            "path_info": request.path_info,
            "absolute": request.build_absolute_uri(),
            "absolute_reverse": request.build_absolute_uri(reverse("go")),
        }
    )


def go(request: HttpRequest) -> HttpResponse:
    return redirect("where")


def links(request: HttpRequest) -> HttpResponse:
    return render(request, "handler/links.html")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("handler-test-secret-detail")


def no_content(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)


def not_modified(request: HttpRequest) -> HttpResponse:
    return HttpResponseNotModified()


class CountedChunks:
    """A streaming body whose ``close()`` is counted in :data:`STREAM_CLOSES`."""

    def __init__(self) -> None:
        self._chunks = iter([b"one ", b"two ", b"three"])

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        STREAM_CLOSES.append(threading.get_ident())


STREAM_CLOSES: list[int] = []
#: Every file a FileResponse of :func:`a_file` opened, to check that it was closed.
OPENED_FILES: list[Any] = []


def stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(CountedChunks(), content_type="text/plain")


def lazy_links(request: HttpRequest) -> StreamingHttpResponse:
    """reverse() runs while the server pulls the body, after the view has returned."""
    return StreamingHttpResponse(
        (f"{reverse(name)} under {get_script_prefix()}\n" for name in ("where", "go")),
        content_type="text/plain",
    )


def a_file(request: HttpRequest) -> FileResponse:
    handle = Path(__file__).open("rb")  # noqa: SIM115 (FileResponse closes it)
    OPENED_FILES.append(handle)
    return FileResponse(handle, content_type="text/plain")


class Hello(View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(f"class-based at {request.path}", content_type="text/plain")


def echo_path(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{request.method} {request.path}", content_type="text/plain")


class StampMiddleware:
    """Adds ``X-Stamp``: shows which middleware chain a response went through."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response["X-Stamp"] = "djwsgi"
        return response


urlpatterns = [
    path("where/", where, name="where"),
    path("go/", go, name="go"),
    path("links/", links, name="links"),
    path("boom/", boom, name="boom"),
    path("empty/", no_content),
    path("unchanged/", not_modified),
    path("stream/", stream),
    path("lazy/", lazy_links),
    path("file/", a_file),
    re_path(r"^hello/(?P<rest>.*)$", Hello.as_view(), name="hello"),
]

#: A pattern list reached as ``"tests.handler_urls:other_patterns"``.
other_patterns = [path("other/", echo_path, name="other")]


class ProjectUrlconfMiddleware:
    """Routes by ``tests.urls`` instead (Django's documented ``request.urlconf`` hook)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.urlconf = "tests.urls"
        return self.get_response(request)
