"""WSGI → Django: the cost of ``djwsgi.mount(app)`` per request.

Three WSGI applications built by ``djwsgi.wsgi_application`` on the same settings
(``MIDDLEWARE=[]``), each answering ``GET /app/x`` with the same 13-byte body:

- ``django_view``: a Django view returning the body itself (the floor);
- ``djwsgi_mount``: a bare WSGI app mounted with ``djwsgi.mount("app/", app)``;
- ``naive_bridge``: a Django view doing ``webob.Request(environ from META)
  .get_response(app)`` and copying the answer into an ``HttpResponse``.

Run (pyperf options apply, e.g. ``--fast``, ``-o results.json``)::

    python benchmarks/bench_view.py --fast

On a machine shared with other work, pyperf's means follow the neighbours' load; ``--best``
instead runs each application alone in a fresh process, times 1,500 batches of 20
requests and keeps the best batch (three rounds, best of each)::

    python benchmarks/bench_view.py --best

Targets: djwsgi_mount ≤ 1.10 × django_view, and faster than naive_bridge.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import pyperf
import webob
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-not-secret",
    ALLOWED_HOSTS=["127.0.0.1"],
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
    ROOT_URLCONF="djwsgi._empty_urls",
    USE_TZ=True,
)

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

import djwsgi  # noqa: E402

BODY = b"Hello, World!"
HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def bare_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", list(HEADERS))
    return [BODY]


def django_view(request: HttpRequest, rest: str) -> HttpResponse:
    return HttpResponse(BODY, content_type="text/plain; charset=utf-8")


def naive_bridge(request: HttpRequest, rest: str) -> HttpResponse:
    environ = dict(request.META)
    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/app"
    environ["PATH_INFO"] = "/" + rest
    answer = webob.Request(environ).get_response(bare_app)
    response = HttpResponse(answer.body, status=answer.status_code, reason=answer.status[4:])
    del response["Content-Type"]
    for name, value in answer.headerlist:
        response[name] = value
    return response


APPS: dict[str, Callable[..., Iterable[bytes]]] = {
    "django_view": djwsgi.wsgi_application([path("app/<path:rest>", django_view)]),
    "djwsgi_mount": djwsgi.wsgi_application([djwsgi.mount("app/", bare_app)]),
    "naive_bridge": djwsgi.wsgi_application([path("app/<path:rest>", naive_bridge)]),
}

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/app/x",
    "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "127.0.0.1:8000",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.errors": io.StringIO(),
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def one_request(app: Callable[..., Iterable[bytes]]) -> bytes:
    environ = dict(ENVIRON)
    environ["wsgi.input"] = io.BytesIO(b"")
    result = app(environ, _start_response)
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def timer(app: Callable[..., Iterable[bytes]]) -> Callable[[int], float]:
    def run(loops: int) -> float:
        start = time.perf_counter()
        for _ in range(loops):
            one_request(app)
        return time.perf_counter() - start

    return run


def best_batch(name: str, batches: int = 1500, size: int = 20) -> float:
    """The best per-request time of *name* over *batches* batches of *size* requests."""
    app = APPS[name]
    for _ in range(200):
        one_request(app)
    best = float("inf")
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(size):
            one_request(app)
        best = min(best, (time.perf_counter() - start) / size)
    return best


def best_mode(rounds: int = 3) -> None:
    best = dict.fromkeys(APPS, float("inf"))
    for _ in range(rounds):
        for name in APPS:
            out = subprocess.run(
                [sys.executable, __file__, "--best-one", name],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            best[name] = min(best[name], float(out))
    view, mount, naive = best["django_view"], best["djwsgi_mount"], best["naive_bridge"]
    for name, value in best.items():
        print(f"{name:13} {value * 1e6:7.1f} us")
    print(f"djwsgi_mount / django_view  = {mount / view:.3f}x")
    print(f"djwsgi_mount / naive_bridge = {mount / naive:.3f}x")


def main() -> None:
    if sys.argv[1:2] == ["--best"]:
        best_mode()
        return
    if sys.argv[1:2] == ["--best-one"]:
        print(best_batch(sys.argv[2]))
        return
    for app in APPS.values():
        assert one_request(app) == BODY  # set up, and the same answer everywhere
    runner = pyperf.Runner()
    runner.metadata["description"] = __doc__.split("\n\n")[0]
    results = {name: runner.bench_time_func(name, timer(app)) for name, app in APPS.items()}
    if any(bench is None for bench in results.values()):  # a worker process
        return
    # On a shared machine the mean follows the neighbours' load; the median and the best
    # value follow the code. All three are printed.
    stats = {
        "mean": {name: bench.mean() for name, bench in results.items()},
        "median": {name: bench.median() for name, bench in results.items()},
        "min": {name: min(bench.get_values()) for name, bench in results.items()},
    }
    print()
    for label, value in stats.items():
        view, mount, naive = value["django_view"], value["djwsgi_mount"], value["naive_bridge"]
        print(
            f"{label:>6}: djwsgi_mount / django_view = {mount / view:.3f}x, "
            f"djwsgi_mount / naive_bridge = {mount / naive:.3f}x "
            f"({view * 1e6:.1f} / {mount * 1e6:.1f} / {naive * 1e6:.1f} us)"
        )


if __name__ == "__main__":
    main()
