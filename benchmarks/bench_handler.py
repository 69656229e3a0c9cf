"""Per-request cost of ``djwsgi.wsgi_application(view)`` against Django's own ``WSGIHandler``.

Both serve the same view with the same middleware chain (none, and the ``startproject``
default), in process: a fresh environ per call (``wsgi.input`` a new ``BytesIO``), the
response read to the end and closed, as a server does. Prints each djwsgi/Django ratio::

    .venv/bin/python benchmarks/bench_handler.py --fast
    .venv/bin/python benchmarks/bench_handler.py -o handler.json   # the full pyperf run
    .venv/bin/python benchmarks/bench_handler.py --interleaved 60  # A/B, on a busy machine

Standalone: configures its own settings (no settings module, no database access).
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import django
import pyperf
from django.conf import settings

STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
CHAINS = {"no middleware": [], "startproject middleware": STARTPROJECT_MIDDLEWARE}

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-handler-not-secret",
    ALLOWED_HOSTS=["testserver"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    USE_TZ=True,
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from djwsgi import wsgi_application  # noqa: E402

BODY = b"Hello, World!" * 10


def view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY, content_type="text/plain")


urlpatterns = [path("", view)]  # the ROOT_URLCONF of the plain WSGIHandler

ENVIRON: dict[str, Any] = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/",
    "QUERY_STRING": "",
    "SERVER_NAME": "testserver",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "HTTP_HOST": "testserver",
    "HTTP_ACCEPT": "text/html,*/*;q=0.8",
    "HTTP_USER_AGENT": "bench_handler",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def one_request(app: Callable[..., Iterable[bytes]]) -> None:
    environ = dict(ENVIRON)
    environ["wsgi.input"] = io.BytesIO(b"")
    body = app(environ, start_response)
    try:
        for _chunk in body:
            pass
    finally:
        body.close()  # type: ignore[attr-defined]


def build(chain: list[str]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The two applications for *chain*, each warmed up by one request."""
    settings.MIDDLEWARE = chain
    plain = WSGIHandler()  # loads settings.MIDDLEWARE now
    bridged = wsgi_application(view, middleware=chain)
    for app in (plain, bridged):
        one_request(app)
    return plain, bridged


def interleaved(rounds: int, batch: int = 200) -> None:
    """Alternate the two applications batch by batch, timing CPU time (not wall time), and
    print median ratios: steadier than whole pyperf runs on a machine shared with others."""
    for label, chain in CHAINS.items():
        plain, bridged = build(chain)
        times: dict[str, list[float]] = {"django": [], "djwsgi": []}
        for _ in range(rounds):
            for name, app in (("django", plain), ("djwsgi", bridged)):
                start = time.process_time()
                for _ in range(batch):
                    one_request(app)
                times[name].append((time.process_time() - start) / batch)
        django_us, djwsgi_us = (statistics.median(times[k]) * 1e6 for k in ("django", "djwsgi"))
        print(
            f"{label}: djwsgi {djwsgi_us:.1f} us vs Django {django_us:.1f} us per request "
            f"(medians of {rounds} interleaved batches of {batch}): ratio "
            f"{djwsgi_us / django_us:.3f}x"
        )


def main() -> None:
    runner = pyperf.Runner()
    runner.argparser.add_argument(
        "--interleaved",
        type=int,
        metavar="ROUNDS",
        help="skip pyperf; alternate the two applications ROUNDS times in this process",
    )
    args = runner.parse_args()
    if args.interleaved:
        interleaved(args.interleaved)
        return
    runner.metadata["description"] = __doc__.splitlines()[0]
    results = []
    for label, chain in CHAINS.items():
        plain, bridged = build(chain)
        base = runner.bench_func(f"Django WSGIHandler, {label}", one_request, plain)
        ours = runner.bench_func(f"djwsgi wsgi_application(view), {label}", one_request, bridged)
        results.append((label, base, ours))
    for label, base, ours in results:
        if base is not None and ours is not None:
            ratio = ours.median() / base.median()
            print(
                f"{label}: djwsgi {ours.median() * 1e6:.1f} us vs Django "
                f"{base.median() * 1e6:.1f} us per request (medians): ratio {ratio:.3f}x"
            )


if __name__ == "__main__":
    main()
