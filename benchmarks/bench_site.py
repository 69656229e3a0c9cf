"""What the benchmarks serve: one bare WSGI app, the Django views that answer the same
bytes, and the same app embedded by djwsgi and by its alternatives.

Also the ``ROOT_URLCONF`` of :mod:`bench_settings` and the entry points of the servers the
streaming and end-to-end benchmarks start (``waitress-serve bench_site:django_site``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

import webob  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path, re_path  # noqa: E402

import djwsgi  # noqa: E402

#: The body every "hello" case answers (a small HTML-ish page).
BODY = b"<!doctype html><title>hello</title><p>" + b"Hello, World! " * 12 + b"</p>\n"
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", str(len(BODY))),
]
CHUNK = 64 * 1024
_BLOCK = b"x" * CHUNK


def bare_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The floor: a WSGI app that answers BODY, whatever the path."""
    start_response("200 OK", list(HEADERS))
    return [BODY]


def hello(request: HttpRequest) -> HttpResponse:
    """A Django view answering the same bytes as :func:`bare_app`."""
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


def hello_user(request: HttpRequest) -> HttpResponse:
    """:func:`hello` for a page that depends on who asks: it reads ``request.user``, as
    ``mount()`` does to set ``REMOTE_USER`` (the session is loaded, ``Vary: Cookie`` added)."""
    request.user.is_authenticated  # noqa: B018 (the lookup is the point)
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


def naive_bridge(request: HttpRequest, path_info: str = "") -> HttpResponse:
    """The bridge people write by hand: WebOb's ``get_response`` on a copy of META, then
    the whole body copied into an ``HttpResponse``."""
    environ = dict(request.META)
    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/naive"
    environ["PATH_INFO"] = path_info
    answer = webob.Request(environ).get_response(bare_app)
    response = HttpResponse(answer.body, status=answer.status_code)
    for name, value in answer.headerlist:
        response[name] = value
    return response


def dict_copy_bridge(request: HttpRequest, path_info: str = "") -> HttpResponse:
    """The leanest bridge people write by hand (the issue's "naive dict-copy bridge"): a
    copy of META with the path shifted, the app called, its list body and headers copied
    into an ``HttpResponse``. No protocol checks, no streaming, no identity, no cleaning."""
    environ = dict(request.META)
    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/copy"
    environ["PATH_INFO"] = path_info
    answer: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer[:] = [status, headers]

    body = bare_app(environ, start_response)
    status, headers = answer
    response = HttpResponse(b"".join(body), status=int(status[:3]))
    for name, value in headers:
        response[name] = value
    return response


class _Download:
    """*size* bytes in CHUNK pieces, generated (never held in memory)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __iter__(self) -> Iterator[bytes]:
        left = self.size
        while left >= CHUNK:
            yield _BLOCK
            left -= CHUNK
        if left:
            yield _BLOCK[:left]

    def close(self) -> None:
        pass


def stream_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """``GET .../download?N`` streams N bytes; ``POST .../upload`` reads the body in
    CHUNK pieces and answers how many bytes it got."""
    if environ["PATH_INFO"].endswith("/upload"):
        stream = environ["wsgi.input"]
        left = int(environ.get("CONTENT_LENGTH") or 0)
        got = 0
        while left > 0:
            data = stream.read(min(CHUNK, left))
            if not data:
                break
            got += len(data)
            left -= len(data)
        body = str(got).encode()
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        )
        return [body]
    size = int(environ.get("QUERY_STRING") or 0)
    start_response(
        "200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))]
    )
    return _Download(size)


def _flask_app() -> Any:
    import flask

    app = flask.Flask("bench_flask")

    @app.route("/", defaults={"rest": ""})
    @app.route("/<path:rest>")
    def hello_flask(rest: str) -> flask.Response:
        return flask.Response(BODY, content_type="text/html; charset=utf-8")

    return app


flask_app = _flask_app()

urlpatterns = [
    path("hello", hello),
    djwsgi.mount("app", bare_app),
    path("hello-user", hello_user),
    re_path(r"^copy(?P<path_info>/.*)?\Z", dict_copy_bridge),
    djwsgi.mount("app-anonymous", bare_app, remote_user=False),
    re_path(r"^naive(?P<path_info>/.*)?\Z", naive_bridge),
    djwsgi.mount("flask", flask_app),
    djwsgi.mount("stream", stream_app),
]


def pyramid_app() -> Any:
    """A Pyramid app embedding :func:`bare_app` at ``/app`` with ``wsgiapp2``."""
    from pyramid.config import Configurator
    from pyramid.wsgi import wsgiapp2

    with Configurator() as config:
        config.add_route("app", "/app*subpath")
        config.add_view(wsgiapp2(bare_app), route_name="app")
        return config.make_wsgi_app()


def werkzeug_dispatcher() -> Any:
    """Werkzeug's ``DispatcherMiddleware`` with :func:`bare_app` at ``/app``."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    return DispatcherMiddleware(NotFound(), {"/app": bare_app})


def paste_urlmap() -> Any:
    """Paste's ``URLMap`` with :func:`bare_app` at ``/app``."""
    from paste.urlmap import URLMap

    urlmap = URLMap()
    urlmap["/app"] = bare_app
    return urlmap


def django_site() -> Any:
    """Plain Django: ``get_wsgi_application()`` of the benchmark settings."""
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def bare_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    """``use = call:bench_site:bare_factory``"""
    return bare_app


def stream_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    """``use = call:bench_site:stream_factory``"""
    return stream_app


def pipeline(path: str | None = None) -> Any:
    """The paste.ini pipeline (``pipeline.ini``, an ``egg:Paste#urlmap``), via ``loadapp``."""
    from paste.deploy import loadapp

    here = os.path.dirname(os.path.abspath(__file__))
    return loadapp(f"config:{path or 'pipeline.ini'}", relative_to=here)
