"""A Django site mounting two streaming WSGI apps, for the live streaming tests.

- ``/download/?mib=N``: N MiB in 64 KiB chunks from a lazy iterable that counts its
  ``close()`` calls;
- ``/upload/``: hashes ``wsgi.input`` as it reads it, 64 KiB at a time;
- ``/stats/``: the close counts, as JSON (a plain Django view).

Serve it with ``waitress-serve tests.apps.stream_site:application``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs
from wsgiref.validate import validator

from django.http import HttpRequest, JsonResponse
from django.urls import path

import djwsgi

CHUNK = b"\xab" * (64 * 1024)

_lock = threading.Lock()
stats = {"download_started": 0, "download_closes": 0, "chunks_served": 0}


class Download:
    """*count* chunks of 64 KiB, made one at a time; counts closes."""

    def __init__(self, count: int) -> None:
        self.left = count

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self.left <= 0:
            raise StopIteration
        self.left -= 1
        with _lock:
            stats["chunks_served"] += 1
        return CHUNK

    def close(self) -> None:
        with _lock:
            stats["download_closes"] += 1


def download(environ: dict[str, Any], start_response: Any) -> Download:
    mib = int(parse_qs(environ.get("QUERY_STRING", "")).get("mib", ["1"])[0])
    count = mib * 16
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Length", str(count * len(CHUNK))),
        ],
    )
    with _lock:
        stats["download_started"] += 1
    return Download(count)


def upload(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    digest = hashlib.sha256()
    stream = environ["wsgi.input"]
    left = int(environ.get("CONTENT_LENGTH") or 0)
    while left > 0:
        chunk = stream.read(min(left, 64 * 1024))
        if not chunk:
            break
        digest.update(chunk)
        left -= len(chunk)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [digest.hexdigest().encode()]


def stats_view(request: HttpRequest) -> JsonResponse:
    with _lock:
        return JsonResponse(dict(stats))


application = validator(
    djwsgi.wsgi_application(
        [
            djwsgi.mount("download/", validator(download)),
            djwsgi.mount("upload/", validator(upload)),
            path("stats/", stats_view),
        ],
        settings="tests.settings",
    )
)
