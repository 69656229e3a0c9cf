"""In-process cost per request: every case is a WSGI app called directly with a GET
environ like waitress's, its body read and closed; no socket, no server.

    python benchmarks/bench_inprocess.py --fast -o inprocess.json

Cases (each answers the same bytes, :data:`bench_site.BODY`):

- the bare WSGI app (the floor);
- Django's ``WSGIHandler`` with ``MIDDLEWARE=[]`` and with startproject's middleware;
- ``wsgi_application(view)`` and ``wsgi_application(urlconf)`` with the same two chains;
- ``mount("app", bare_app)`` in the Django URLconf, against the Django view, against the
  hand-written WebOb bridge (``bench_site.naive_bridge``) and the hand-written dict-copy
  bridge (``bench_site.dict_copy_bridge``);
- Pyramid's ``wsgiapp2``, Werkzeug's ``DispatcherMiddleware`` and Paste's ``URLMap``
  embedding the bare app, and the ``pipeline.ini`` urlmap loaded with ``loadapp``.

:data:`COMPARISONS` names the ratios ``run.py`` reports (case time / baseline time).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import thread_time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

import pyperf  # noqa: E402

NO_MIDDLEWARE: list[str] = []


def _environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_HOST": "127.0.0.1",
        "REMOTE_PORT": "53412",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "waitress",
        "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_USER_AGENT": "djwsgi-bench/1.0",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.5",
        "HTTP_CONNECTION": "keep-alive",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }


def _django_handler(middleware: list[str] | None) -> Any:
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    if middleware is None:
        return WSGIHandler()
    with override_settings(MIDDLEWARE=middleware):
        return WSGIHandler()


def _view_app(middleware: list[str] | None) -> Any:
    import bench_site

    import djwsgi

    return djwsgi.wsgi_application(bench_site.hello, middleware=middleware)


def _urlconf_app(middleware: list[str] | None) -> Any:
    import djwsgi

    return djwsgi.wsgi_application("bench_site", middleware=middleware)


def _site(name: str) -> Callable[[], Any]:
    def build() -> Any:
        import bench_site

        return getattr(bench_site, name)()

    return build


def _bare() -> Any:
    import bench_site

    return bench_site.bare_app


@dataclass
class Case:
    name: str
    label: str
    build: Callable[[], Any]
    path: str
    #: The ROOT_URLCONF the case runs with (one with its pattern alone: ``urlconfs``).
    urlconf: str = "bench_site"
    _prepared: tuple[Any, dict[str, Any]] | None = field(default=None, repr=False)

    def prepared(self) -> tuple[Any, dict[str, Any]]:
        """Build the app once per process and check that it answers BODY."""
        if self._prepared is None:
            import django

            django.setup()
            app = self.build()
            environ = _environ(self.path)
            _use_urlconf(self.urlconf)
            check(app, environ, self.name)
            self._prepared = (app, environ)
        return self._prepared


def _use_urlconf(urlconf: str) -> None:
    from django.conf import settings

    if urlconf != settings.ROOT_URLCONF:
        settings.ROOT_URLCONF = urlconf


def _mw(middleware: list[str] | None) -> str:
    return "MIDDLEWARE=[]" if middleware is not None else "startproject MIDDLEWARE"


def _cases() -> list[Case]:
    cases = [Case("bare", "bare WSGI app (floor)", _bare, "/hello")]
    for suffix, mw in (("nomw", NO_MIDDLEWARE), ("mw", None)):
        cases += [
            Case(
                f"django-{suffix}",
                f"Django WSGIHandler, view, {_mw(mw)}",
                lambda mw=mw: _django_handler(mw),
                "/hello",
                "urlconfs.hello",
            ),
            Case(
                f"view-{suffix}",
                f"wsgi_application(view), {_mw(mw)}",
                lambda mw=mw: _view_app(mw),
                "/hello",
            ),
            Case(
                f"urlconf-{suffix}",
                f"wsgi_application(urlconf), {_mw(mw)}",
                lambda mw=mw: _urlconf_app(mw),
                "/hello",
            ),
            Case(
                f"mount-{suffix}",
                f"Django + mount(bare_app), {_mw(mw)}",
                lambda mw=mw: _django_handler(mw),
                "/app/hello",
                "urlconfs.mount",
            ),
            Case(
                f"naive-{suffix}",
                f"Django + naive WebOb bridge view, {_mw(mw)}",
                lambda mw=mw: _django_handler(mw),
                "/naive/hello",
                "urlconfs.naive",
            ),
        ]
    cases += [
        Case(
            "django-user-mw",
            "Django WSGIHandler, view reading request.user, startproject MIDDLEWARE",
            lambda: _django_handler(None),
            "/hello-user",
            "urlconfs.hello_user",
        ),
        Case(
            "copy-nomw",
            "Django + naive dict-copy bridge view, MIDDLEWARE=[]",
            lambda: _django_handler(NO_MIDDLEWARE),
            "/copy/hello",
            "urlconfs.dict_copy",
        ),
        Case(
            "mount-noident-mw",
            "Django + mount(bare_app, remote_user=False), startproject MIDDLEWARE",
            lambda: _django_handler(None),
            "/app-anonymous/hello",
            "urlconfs.mount_anonymous",
        ),
        Case("pyramid", "Pyramid wsgiapp2(bare_app)", _site("pyramid_app"), "/app/hello"),
        Case(
            "werkzeug", "Werkzeug DispatcherMiddleware", _site("werkzeug_dispatcher"), "/app/hello"
        ),
        Case("urlmap", "Paste URLMap", _site("paste_urlmap"), "/app/hello"),
        Case("ini-app", "pipeline.ini urlmap → bare app", _site("pipeline"), "/app/hello"),
        Case(
            "ini-django",
            "pipeline.ini urlmap → wsgi_application(urlconf), startproject MIDDLEWARE",
            _site("pipeline"),
            "/django/hello",
        ),
    ]
    return cases


@dataclass(frozen=True)
class Comparison:
    label: str
    case: str
    baseline: str
    #: The case must take at most this many times the baseline's time (None: no target).
    target: float | None = None
    #: The case must be strictly faster than the baseline.
    faster: bool = False


COMPARISONS = [
    Comparison("wsgi_application(view) / Django, MIDDLEWARE=[]", "view-nomw", "django-nomw", 1.03),
    Comparison(
        "wsgi_application(view) / Django, startproject MIDDLEWARE", "view-mw", "django-mw", 1.03
    ),
    Comparison("wsgi_application(urlconf) / Django, MIDDLEWARE=[]", "urlconf-nomw", "django-nomw"),
    Comparison(
        "wsgi_application(urlconf) / Django, startproject MIDDLEWARE", "urlconf-mw", "django-mw"
    ),
    Comparison("mount(bare_app) / Django view, MIDDLEWARE=[]", "mount-nomw", "django-nomw", 1.10),
    # With startproject's middleware, remote_user=True (the default) makes the bridge load
    # request.user (the session, Vary: Cookie), which the plain view and the naive bridges
    # never do: judged against a view that does the same, and with remote_user=False.
    Comparison("mount(bare_app) / Django view, startproject MIDDLEWARE", "mount-mw", "django-mw"),
    Comparison(
        "mount(bare_app) / naive WebOb bridge, MIDDLEWARE=[]",
        "mount-nomw",
        "naive-nomw",
        faster=True,
    ),
    Comparison(
        "mount(bare_app) / naive WebOb bridge, startproject MIDDLEWARE", "mount-mw", "naive-mw"
    ),
    Comparison(
        "mount(bare_app) / Django view reading request.user, startproject MIDDLEWARE",
        "mount-mw",
        "django-user-mw",
        1.10,
    ),
    Comparison(
        "naive dict-copy bridge / Django view, MIDDLEWARE=[] (reference)",
        "copy-nomw",
        "django-nomw",
    ),
    Comparison(
        "mount(bare_app) / naive dict-copy bridge, MIDDLEWARE=[]", "mount-nomw", "copy-nomw"
    ),
    Comparison(
        "mount(bare_app, remote_user=False) / Django view, startproject MIDDLEWARE",
        "mount-noident-mw",
        "django-mw",
        1.10,
    ),
    Comparison(
        "mount(bare_app, remote_user=False) / naive WebOb bridge, startproject MIDDLEWARE",
        "mount-noident-mw",
        "naive-mw",
        faster=True,
    ),
    Comparison("Django + mount(bare_app), MIDDLEWARE=[] / bare app", "mount-nomw", "bare"),
    Comparison("Pyramid wsgiapp2 / bare app", "pyramid", "bare"),
    Comparison("Werkzeug DispatcherMiddleware / bare app", "werkzeug", "bare"),
    Comparison("Paste URLMap / bare app", "urlmap", "bare"),
    Comparison("pipeline.ini → bare app / bare app", "ini-app", "bare"),
    Comparison(
        "pipeline.ini → wsgi_application(urlconf) / Django, startproject MIDDLEWARE",
        "ini-django",
        "django-mw",
    ),
]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def check(app: Any, environ: dict[str, Any], name: str) -> None:
    """Refuse to time a case that does not answer ``200`` with BODY."""
    import bench_site

    seen: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append(status)

    result = app(dict(environ), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    if seen[:1] != ["200 OK"] or body != bench_site.BODY:
        raise RuntimeError(f"case {name}: got {seen} {body[:200]!r}, expected 200 and BODY")


def time_requests(loops: int, case: Case) -> float:
    """CPU seconds of this thread for *loops* requests: on a machine shared with other
    work, time spent waiting for a core is not the case's cost, and wall time counts it."""
    app, environ = case.prepared()
    _use_urlconf(case.urlconf)  # Django's handler reads it at the start of each request
    copy, start_response = environ.copy, _start_response
    t0 = thread_time()
    for _ in range(loops):
        result = app(copy(), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return thread_time() - t0


def _calibrate(case: Case, slot_time: float) -> int:
    loops = 1
    while loops < 1 << 20:
        if time_requests(loops, case) >= slot_time / 4:
            break
        loops *= 2
    return max(1, round(loops * slot_time / max(time_requests(loops, case), 1e-9)))


def measure_pair(case: Case, baseline: Case, slots: int, slot_time: float) -> dict[str, Any]:
    """Time *case* and *baseline* in alternating slots of about *slot_time* seconds (ABBA
    order, so neither always goes first). Each slot of the case is compared with the
    baseline's slot next to it, which ran on the same machine a few milliseconds apart:
    the ratio is the median of those ratios, so load that comes and goes hits a few pairs,
    not one side. The ratios of the fastest and of the median slots are kept too."""
    loops = {case.name: _calibrate(case, slot_time), baseline.name: _calibrate(baseline, slot_time)}
    times: dict[str, list[float]] = {case.name: [], baseline.name: []}
    for i in range(slots):
        for c in (case, baseline) if i % 2 == 0 else (baseline, case):
            times[c.name].append(time_requests(loops[c.name], c) / loops[c.name])
    a, b = times[case.name], times[baseline.name]
    return {
        "ratio": statistics.median(x / y for x, y in zip(a, b, strict=True)),
        "min_ratio": min(a) / min(b),
        "median_ratio": statistics.median(a) / statistics.median(b),
        "case_us": statistics.median(a) * 1e6,
        "baseline_us": statistics.median(b) * 1e6,
        "slots": slots,
    }


def main_pairs(argv: list[str]) -> int:
    """``bench_inprocess.py pairs -o pairs.json``: every :data:`COMPARISONS` ratio, measured
    side by side in this one process."""
    parser = argparse.ArgumentParser(prog="bench_inprocess.py pairs")
    parser.add_argument("--slots", type=int, default=60)
    parser.add_argument("--slot-time", type=float, default=0.01, help="seconds")
    parser.add_argument("--match", default="", help="only the ratios whose label has this")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    cases = {case.name: case for case in _cases()}
    results = {}
    for comp in COMPARISONS:
        if args.match not in comp.label:
            continue
        pair = measure_pair(cases[comp.case], cases[comp.baseline], args.slots, args.slot_time)
        results[comp.label] = pair
        print(f"{pair['ratio']:6.3f}x  {comp.label}", flush=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


def main() -> None:
    if sys.argv[1:2] == ["pairs"]:
        sys.exit(main_pairs(sys.argv[2:]))
    runner = pyperf.Runner()
    runner.metadata["description"] = "djwsgi in-process cost per request"
    for case in _cases():
        runner.bench_time_func(case.name, time_requests, case, metadata={"label": case.label})


if __name__ == "__main__":
    main()
