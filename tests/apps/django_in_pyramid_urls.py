"""The Django URLconf that tests.apps.django_in_pyramid mounts under ``/legacy``."""

from __future__ import annotations

import hashlib

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt


def page(request: HttpRequest) -> JsonResponse:
    """What the Django side sees: its own URLs, and Pyramid's, through the environ."""
    pyramid_request = request.META.get("djwsgi.pyramid_request")
    return JsonResponse(
        {
            "path": request.path,
            "script_name": request.META["SCRIPT_NAME"],
            "path_info": request.path_info,
            "reverse": reverse("dj-page"),
            "absolute": request.build_absolute_uri(reverse("dj-page")),
            "pyramid_home": pyramid_request and pyramid_request.route_url("home"),
        }
    )


def where(request: HttpRequest) -> HttpResponse:
    """SCRIPT_NAME and PATH_INFO as the Django request got them (no Pyramid needed)."""
    return HttpResponse(
        f"{request.META['SCRIPT_NAME']}|{request.path_info}|{reverse('dj-where')}",
        content_type="text/plain",
    )


@csrf_exempt
def hash_upload(request: HttpRequest) -> JsonResponse:
    """SHA-256 of the body, read in 64 KiB chunks (the body is never held whole)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := request.read(1 << 16):
        digest.update(chunk)
        size += len(chunk)
    return JsonResponse({"sha256": digest.hexdigest(), "size": size})


@csrf_exempt
def probe(request: HttpRequest) -> JsonResponse:
    """How much of the server's input stream (``environ["test.stream"]``, counting its
    reads) was consumed before this view ran, and how much the view then read."""
    stream = request.META["test.stream"]
    before = stream.consumed
    body = request.read()
    return JsonResponse({"consumed_before_view": before, "read_by_view": len(body)})


urlpatterns = [
    path("", where, name="dj-where"),
    path("page/", page, name="dj-page"),
    path("hash/", hash_upload, name="dj-hash"),
    path("probe/", probe, name="dj-probe"),
    path("admin/", admin.site.urls),
    re_path(r"^x/", where, name="dj-x"),
]
