"""The application the live-server tests serve (waitress, gunicorn): Django mounts, a real
Flask app, a streaming and an upload endpoint, a login-required foreign app, and
``/stats/``, which reports what a test cannot see from outside the server process: how
many response iterables were opened and closed (and closed twice), thread-local urlconfs
found leaked at the start of a request, threads and open file descriptors.

``application`` runs the project's MIDDLEWARE; ``soak_application`` none (for speed).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.decorators import login_required  # noqa: E402
from django.http import (  # noqa: E402
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import get_script_prefix, get_urlconf, path, re_path, reverse  # noqa: E402
from flask import Flask, redirect, request  # noqa: E402

import djwsgi  # noqa: E402

from .wsgi import CloseStats, counting  # noqa: E402

STATS = CloseStats()
UPLOADS = {"started": 0, "finished": 0, "short": 0}
LEAKS: list[str] = []
CHUNK = b"x" * 65536
_lock = threading.Lock()


def stream_app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """A foreign app streaming ``?chunks=N`` chunks of ``size`` bytes (default 4 × 64 KiB)."""
    query = dict(p.partition("=")[::2] for p in environ["QUERY_STRING"].split("&") if p)
    chunks = int(query.get("chunks", "4"))
    chunk = CHUNK[: int(query.get("size", len(CHUNK)))]
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    for _ in range(chunks):
        yield chunk


def upload_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Reads the whole request body in 64 KiB pieces and says how much it got."""
    with _lock:
        UPLOADS["started"] += 1
    stream, total = environ["wsgi.input"], 0
    expected = int(environ.get("CONTENT_LENGTH") or 0)
    while total < expected and (piece := stream.read(min(65536, expected - total))):
        total += len(piece)
    with _lock:
        UPLOADS["finished"] += 1
        UPLOADS["short"] += total < expected
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"got {total}".encode()]


def crash_app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """Streams a first chunk, then fails: the headers are out, the server must abort."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "100000")])
    yield b"first chunk;"
    raise RuntimeError("crash_app fails mid-stream")


def file_app(environ: dict[str, Any], start_response: Any) -> Any:
    """Sends this module's source through the server's ``wsgi.file_wrapper``."""
    handle = open(__file__, "rb")  # noqa: SIM115 (closed by the wrapper's close())
    start_response("200 OK", [("Content-Type", "text/x-python")])
    return environ["wsgi.file_wrapper"](handle, 8192)


def echo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """What the foreign app was given: the identity, the path split, every header."""
    seen = {
        "app": "echo",
        "REMOTE_USER": environ.get("REMOTE_USER"),
        "SCRIPT_NAME": environ["SCRIPT_NAME"],
        "PATH_INFO": environ["PATH_INFO"],
        "QUERY_STRING": environ.get("QUERY_STRING", ""),
        "headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")},
    }
    body = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def reflect_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A careless app: copies ``?h=`` (decoded) into a response header."""
    from urllib.parse import parse_qs

    value = parse_qs(environ.get("QUERY_STRING", "")).get("h", [""])[0]
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Reflected", value)])
    return [b"reflected"]


def secret_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"SECRET-PRIVATE for {environ.get('REMOTE_USER')}".encode()]


flask_app = Flask("reliability")


@flask_app.route("/")
def flask_home() -> str:
    return f"flask at {request.script_root}{request.path}"


@flask_app.route("/cookies")
def flask_cookies() -> Any:
    response = flask_app.make_response("cookies")
    response.set_cookie("sid", "s1", httponly=True, secure=True, samesite="Strict")
    response.set_cookie("pref", "dark", max_age=3600, path="/flask", samesite="Lax")
    response.set_cookie("sid", "s2", path="/flask/sub", httponly=True)
    response.set_cookie("gone", "", expires=0, secure=True, samesite="None")
    return response


@flask_app.route("/go")
def flask_go() -> Any:
    return redirect(request.args.get("next", "/"))


def _urlconf_name() -> str:
    current = get_urlconf()
    if current is inner.urlconf:
        return "inner"
    if current in (_django.urlconf, _soak.urlconf):
        return "outer"
    return repr(current)


def who(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "reverse": reverse("who"),
            "script_prefix": get_script_prefix(),
            "urlconf": _urlconf_name(),
            "path": request.path,
        }
    )


def lazy_who(request: HttpRequest) -> StreamingHttpResponse:
    """Streams what reverse() and the script prefix say while the body is being sent."""

    def chunks() -> Iterator[bytes]:
        yield f"lazy {get_script_prefix()} ".encode()
        yield reverse("lazy").encode()

    return StreamingHttpResponse(chunks(), content_type="text/plain")


def probe(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"script_prefix": get_script_prefix(), "urlconf": _urlconf_name(), "path": request.path}
    )


def stats(request: HttpRequest) -> JsonResponse:
    with _lock:
        uploads = dict(UPLOADS)
    return JsonResponse(
        {
            **STATS.as_dict(),
            "uploads": uploads,
            "leaks": list(LEAKS),
            "threads": threading.active_count(),
            "fds": len(os.listdir("/proc/self/fd")),
            "pid": os.getpid(),
        }
    )


def login_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("LOGIN PAGE", content_type="text/plain")


inner = djwsgi.wsgi_application(
    [
        path("who/", who, name="who"),
        path("lazy/", lazy_who, name="lazy"),
        djwsgi.mount("stream", counting(stream_app, STATS)),
        djwsgi.mount("crash", counting(crash_app, STATS)),
    ],
    middleware=[],
)

urlpatterns = [
    path("stats/", stats),
    path("probe/", probe),
    path("accounts/login/", login_page),
    djwsgi.mount("stream", counting(stream_app, STATS)),
    djwsgi.mount("upload", counting(upload_app, STATS)),
    djwsgi.mount("crash", counting(crash_app, STATS)),
    djwsgi.mount("file", counting(file_app, STATS)),
    djwsgi.mount("one", inner),
    djwsgi.mount("two", inner),
    djwsgi.mount("flask", counting(flask_app, STATS)),
    djwsgi.mount("echo", echo_app),
    djwsgi.mount("reflect", reflect_app),
    re_path(r"^private(?P<path_info>(?:/.*)?)\Z", login_required(djwsgi.django_view(secret_app))),
]


def _entry_check(app: Any) -> Any:
    """Outermost layer: a urlconf still set in this thread when a request starts leaked
    from an earlier request (``request_finished`` resets it)."""

    def checked(environ: dict[str, Any], start_response: Any) -> Any:
        leaked = get_urlconf()
        if leaked is not None:
            with _lock:
                LEAKS.append(f"{environ.get('PATH_INFO')}: {leaked!r}")
        return app(environ, start_response)

    return checked


_django = djwsgi.wsgi_application(urlpatterns)
_soak = djwsgi.wsgi_application(urlpatterns, middleware=[])
application = _entry_check(_django)
soak_application = _entry_check(_soak)


def echo_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    """``use = call:tests.reliability.server_app:echo_factory``"""
    return echo_app


def secret_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    """``use = call:tests.reliability.server_app:secret_factory``"""
    return secret_app
