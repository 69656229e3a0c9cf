"""The ``djwsgi`` command: what a paste ``.ini`` serves, whether it is sound, and serving it.

::

    djwsgi routes paste.ini            # one table of every URL the pipeline answers
    djwsgi check paste.ini             # load every section, run Django's system checks
    djwsgi serve paste.ini --port 8080 # [server:main], or waitress when there is none

``CONFIG.ini#name`` picks another pipeline than ``main``. Bad input (a missing file, an
unknown section, a broken dotted path) is one line on stderr naming the culprit and exit
status 2; ``--traceback`` adds the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging.config
import os
import signal
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

from django.urls.resolvers import RegexPattern
from paste.deploy.loadwsgi import APP, FILTER, SERVER, ConfigLoader

from .conf import ConfigurationError, ensure_setup, settings_in_force
from .handler import DjangoApplication
from .view import MountPattern, _app_name

__all__ = ["main"]

PROG = "djwsgi"

# Section prefixes PasteDeploy loads, and as what.
_SECTION_TYPES = {
    "app": APP,
    "application": APP,
    "composite": APP,
    "composit": APP,
    "pipeline": APP,
    "filter-app": APP,
    "filter": FILTER,
    "server": SERVER,
}


class BadInput(Exception):
    """Input the command cannot work with: reported in one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``djwsgi`` command with *argv* (default ``sys.argv[1:]``); return its status.

    ::

        raise SystemExit(main(["routes", "paste.ini"]))
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already reported
        return exc.code if isinstance(exc.code, int) else 0
    command: Callable[[argparse.Namespace], int] = args.run
    # As with `python -m djwsgi`, `pserve`-free gunicorn and Django's manage.py: modules
    # next to the ini (`view = app:hello`) are importable from the current directory.
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return command(args)
        except KeyboardInterrupt:
            return 130
        except Exception as exc:
            if getattr(args, "traceback", False):
                traceback.print_exc()
            print(f"{PROG} {args.command}: error: {_describe(exc)}", file=sys.stderr)
            return 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--traceback",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of an error",
    )
    parser = _Parser(
        prog=PROG,
        description="Inspect, check and serve a PasteDeploy pipeline of Django and WSGI apps.",
    )
    parser.add_argument("--traceback", action="store_true", help="show the traceback of an error")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    config_help = "a PasteDeploy file, with #name for another pipeline than main"

    routes = commands.add_parser(
        "routes",
        parents=[common],
        help="list every URL the pipeline answers",
        description="List every URL the pipeline answers: urlmap prefixes joined with each "
        "Django app's URL patterns, and each foreign WSGI app.",
    )
    routes.add_argument("config", metavar="CONFIG.ini[#name]", help=config_help)
    routes.add_argument("--json", action="store_true", help="print JSON, for tools")
    routes.set_defaults(run=_routes)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="load every section and run Django's system checks",
        description="Load each app, composite, pipeline, filter and server section (or "
        "only the pipeline #name), import every Django URLconf, run Django's system checks "
        "and print each problem with its section. Exit status 1 when a problem is at or "
        "above --fail-level.",
    )
    check.add_argument("config", metavar="CONFIG.ini[#name]", help=config_help)
    check.add_argument(
        "--fail-level",
        choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
        default="ERROR",
        help="the level of problem that makes the exit status 1 (default: ERROR)",
    )
    check.add_argument("--deploy", action="store_true", help="run Django's deployment checks")
    check.set_defaults(run=_check)

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the pipeline",
        description="Serve the pipeline with its [server:main] section, or with waitress on "
        "127.0.0.1:8080 when the file has no server section.",
    )
    serve.add_argument("config", metavar="CONFIG.ini[#name]", help=config_help)
    serve.add_argument("--host", help="the address to listen on (overrides the ini file)")
    serve.add_argument("--port", type=int, help="the port to listen on (overrides the ini file)")
    serve.add_argument("--server", default=None, metavar="NAME", help="[server:NAME] to use")
    serve.set_defaults(run=_serve)
    return parser


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    print(f"{PROG}: {category.__name__}: {message}", file=sys.stderr)


def _describe(exc: BaseException) -> str:
    message = _describe_plain(exc)
    section = getattr(exc, "djwsgi_section", None)
    if section is not None:
        where, filename = section
        message = f"[{where}] in {filename}: {message}"
    return message


# -- loading --------------------------------------------------------------------------------


class _Loader(ConfigLoader):  # type: ignore[misc]
    """PasteDeploy's loader for one ``.ini`` file, remembering which section made what:
    the innermost section an error came from (``exc.djwsgi_section``), and the section
    each object was made by."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self.made: dict[int, str] = {}
        self._keep: list[object] = []

    def get_context(self, object_type: Any, name: str | None = None, global_conf: Any = None):  # type: ignore[no-untyped-def]
        if self.absolute_name(name):
            return super().get_context(object_type, name, global_conf)
        section = self.find_config_section(object_type, name=name)
        try:
            context = super().get_context(object_type, name, global_conf)
        except Exception as exc:
            self._blame(exc, section)
            raise
        create = context.create

        def tracked_create() -> Any:
            try:
                made = create()
            except Exception as exc:
                self._blame(exc, section)
                raise
            self.made[id(made)] = section
            self._keep.append(made)  # ids stay unique while the loader lives
            return made

        context.create = tracked_create
        return context

    def _blame(self, exc: Exception, section: str) -> None:
        if getattr(exc, "djwsgi_section", None) is None:
            with contextlib.suppress(AttributeError):  # a type without a __dict__
                exc.djwsgi_section = (section, self.filename)  # type: ignore[attr-defined]


def _config(uri: str) -> tuple[str, str]:
    """``paste.ini#name`` → (absolute path, name); the file must exist."""
    if uri.startswith("config:"):
        uri = uri[len("config:") :]
    path, _, name = uri.partition("#")
    if not path:
        raise BadInput(f"no config file in {uri!r} (expected CONFIG.ini or CONFIG.ini#name)")
    if not os.path.isfile(path):
        raise BadInput(f"config file {path!r} not found")
    return os.path.abspath(path), name or "main"


def _open(path: str) -> _Loader:
    try:
        return _Loader(path)
    except Exception as exc:  # configparser.Error, UnicodeDecodeError, OSError
        raise BadInput(f"cannot read {path}: {' '.join(str(exc).split())}") from exc


# -- routes ---------------------------------------------------------------------------------


@dataclass
class _Route:
    """One row of ``djwsgi routes``: a URL pattern and what answers it."""

    url: str
    name: str
    view: str
    kind: str  # "django" (a Django view) or "wsgi" (a foreign app, answering url/*)


def _routes(args: argparse.Namespace) -> int:
    path, name = _config(args.config)
    loader = _open(path)
    app = loader.get_context(APP, name).create()
    rows = list(_walk(app))
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2))
        return 0
    table = [("URL", "NAME", "VIEW"), *((row.url, row.name, row.view) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(2)]
    for url, url_name, view in table:
        print(f"{url:<{widths[0]}}  {url_name:<{widths[1]}}  {view}".rstrip())
    return 0


def _walk(
    app: Any,
    prefix: str = "",
    *,
    name: str = "",
    stop: Callable[[Any], bool] = lambda app: False,
    django_apps: list[DjangoApplication] | None = None,
    depth: int = 0,
) -> Iterator[_Route]:
    """Every URL *app* answers under *prefix*: ``paste.urlmap.URLMap`` entries, Django
    URL patterns (includes and mounts followed), foreign apps as ``prefix/*``.

    :param stop: apps not to walk into (``check`` leaves each section's apps to it).
    :param django_apps: collects the Django applications on the way.
    """
    walk = functools.partial(_walk, stop=stop, django_apps=django_apps, depth=depth + 1)
    from paste.urlmap import URLMap

    if depth > 30:
        raise ConfigurationError(f"{_app_name(app)} at {prefix or '/'}: nested too deeply")
    if depth and stop(app):
        return
    if isinstance(app, URLMap):
        for (domain, url), inner in sorted(
            app.applications, key=lambda e: (e[0][0] or "", e[0][1])
        ):
            inner_prefix = prefix + url if not domain else f"//{domain}{prefix}{url}"
            yield from walk(inner, inner_prefix)
        not_found = app.not_found_application
        if getattr(not_found, "__func__", None) is not URLMap.not_found_app:
            yield _Route(f"{prefix}/*", "(not found)", _display(not_found), "wsgi")
        return
    if isinstance(app, DjangoApplication):
        if django_apps is not None:
            django_apps.append(app)
        yield from _walk_urlconf(app.urlconf, prefix + "/", walk=walk)
        return
    inner = _wrapped(app)
    if inner is not None:
        yield from walk(inner, prefix, name=name)
        return
    yield _Route(f"{prefix}/*", name, _app_name(app), "wsgi")


def _display(app: Any) -> str:
    if isinstance(app, DjangoApplication):
        return f"djwsgi.wsgi_application({app.name})"
    return _app_name(app)


def _wrapped(app: Any) -> Any:
    """The app inside a middleware that keeps it as ``.app`` or ``.application``."""
    for attr in ("app", "application"):
        inner = getattr(app, attr, None)
        if inner is not None and inner is not app and callable(inner):
            if getattr(inner, "__self__", None) is app:  # a method of the app itself
                continue
            return inner
    return None


def _urlpatterns(urlconf: Any) -> Sequence[Any]:
    patterns = getattr(urlconf, "urlpatterns", urlconf)
    return patterns if isinstance(patterns, (list, tuple)) else ()


def _walk_urlconf(
    urlconf: Any,
    prefix: str,
    *,
    namespace: str = "",
    walk: Callable[..., Iterator[_Route]],
) -> Iterator[_Route]:
    """The URL patterns of *urlconf* under *prefix*; *walk* goes into mounted apps."""
    from django.urls import URLPattern, URLResolver

    for entry in _urlpatterns(urlconf):
        pattern = _pattern_text(entry.pattern, endpoint=isinstance(entry, URLPattern))
        if isinstance(entry, URLResolver):
            inner_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk_urlconf(
                entry.url_patterns, prefix + pattern, namespace=inner_ns, walk=walk
            )
            continue
        if not isinstance(entry, URLPattern):
            continue
        url_name = f"{namespace}{entry.name}" if entry.name else ""
        foreign = getattr(entry.callback, "wsgi_app", None)
        if isinstance(entry.pattern, MountPattern) and foreign is not None:
            mount_prefix = (prefix + entry.pattern.prefix).rstrip("/")
            yield from walk(foreign, mount_prefix, name=url_name)
        elif foreign is not None:
            yield _Route(prefix + pattern, url_name, _app_name(foreign), "wsgi")
        else:
            yield _Route(prefix + pattern, url_name, _view_name(entry.callback), "django")


def _pattern_text(pattern: Any, *, endpoint: bool) -> str:
    """A pattern as text; a regex that matches any path it begins (``re_path(r"^x/")``,
    a view answering every path) ends in ``*``."""
    text = str(pattern)
    if not isinstance(pattern, RegexPattern):
        return text
    text = text.removeprefix("^")
    for end in ("\\Z", "$"):
        if text.endswith(end):
            return text.removesuffix(end)
    return text + "*" if endpoint and not isinstance(pattern, MountPattern) else text


def _view_name(callback: Any) -> str:
    target = getattr(callback, "view_class", None) or callback
    while isinstance(target, functools.partial):
        target = target.func
    module = getattr(target, "__module__", None) or type(target).__module__
    qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}.{qualname}"


# -- check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    where: str
    level: int
    id: str
    message: str

    def __str__(self) -> str:
        names = {number: name for name, number in _LEVELS.items()}
        level = names.get(self.level, str(self.level))
        label = f"{level} {self.id}" if self.id else level
        return f"{self.where}: {label}: {self.message}"


def _check(args: argparse.Namespace) -> int:
    path, name = _config(args.config)
    loader = _open(path)
    explicit = "#" in args.config
    if explicit:
        sections = [(loader.find_config_section(APP, name=name), APP)]
    else:
        sections = [
            (section, _SECTION_TYPES[section.partition(":")[0].strip()])
            for section in loader.parser.sections()
            if section.partition(":")[0].strip() in _SECTION_TYPES and ":" in section
        ]
    problems: dict[_Problem, None] = {}
    django_apps = 0
    for section, object_type in sections:
        loader = _Loader(path)
        try:
            made = loader.get_context(object_type, section.partition(":")[2].strip()).create()
        except Exception as exc:
            where = getattr(exc, "djwsgi_section", (section, path))[0]
            problems[_Problem(f"[{where}]", 40, "", _describe_plain(exc))] = None
            continue
        if object_type is not APP:
            continue

        def other_section(app: Any, _loader: _Loader = loader, _section: str = section) -> bool:
            return not explicit and _loader.made.get(id(app), _section) != _section

        for problem in _check_django_apps(made, f"[{section}]", other_section):
            if problem is None:
                django_apps += 1
            else:
                problems[problem] = None
    if settings_in_force() is not None:
        try:
            ensure_setup()
            from django.core.checks import run_checks

            for message in run_checks(include_deployment_checks=args.deploy):
                if not message.is_silenced():
                    problems[_from_check(f"settings {settings_in_force()}", message)] = None
        except Exception as exc:
            where = f"settings {settings_in_force()}"
            problems[_Problem(where, 40, "", _describe_plain(exc))] = None
    fail_level = _LEVELS[args.fail_level]
    for problem in problems:
        print(problem)
    failing = sum(1 for problem in problems if problem.level >= fail_level)
    summary = (
        f"{_count(len(sections), 'section')}, {_count(django_apps, 'Django app')} checked in {path}"
    )
    if problems:
        print(
            f"{summary}: {_count(len(problems), 'problem')}, {failing} at {args.fail_level} "
            "or above"
        )
    else:
        print(f"{summary}: no problems")
    return 1 if failing else 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def _describe_plain(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or "(no message)"
    if not isinstance(exc, (BadInput, ConfigurationError, LookupError)):
        message = f"{type(exc).__name__}: {message}"
    return message


def _from_check(where: str, message: Any) -> _Problem:
    text = str(message.msg)
    if message.obj is not None:
        text = f"{message.obj}: {text}"
    if message.hint:
        text = f"{text} HINT: {message.hint}"
    return _Problem(where, message.level, message.id or "", " ".join(text.split()))


def _check_django_apps(
    app: Any, where: str, stop: Callable[[Any], bool]
) -> Iterator[_Problem | None]:
    """Each Django app in *app*'s tree (``None``, to count it) and its URL problems; walking
    the tree imports every URLconf that ``include()`` names."""
    from django.core.checks.urls import check_resolver
    from django.urls import get_resolver

    found: list[DjangoApplication] = []
    try:
        for _ in _walk(app, stop=stop, django_apps=found):
            pass
    except Exception as exc:
        yield _Problem(where, 40, "", _describe_plain(exc))
    for django_app in found:
        yield None
        try:
            messages = check_resolver(get_resolver(django_app.urlconf))  # type: ignore[arg-type]
        except Exception as exc:
            yield _Problem(where, 40, "", _describe_plain(exc))
            continue
        for message in messages:
            yield _from_check(where, message)


# -- serve ----------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    path, name = _config(args.config)
    loader = _open(path)
    has_servers = any(s.partition(":")[0].strip() == "server" for s in loader.parser.sections())
    server_context = None
    if args.server is not None or has_servers:
        server_context = loader.get_context(SERVER, args.server or "main")
    if loader.parser.has_section("loggers"):
        logging.config.fileConfig(
            path,
            {"here": os.path.dirname(path), "__file__": path},
            disable_existing_loggers=False,
        )
    app = loader.get_context(APP, name).create()
    options: dict[str, Any] = dict(server_context.local_conf) if server_context else {}
    if args.host is not None or args.port is not None:
        # --host/--port replace the section's addresses ("listen" for waitress, "bind"
        # for gunicorn), keeping what the options do not say.
        listen, bind = options.pop("listen", ""), options.pop("bind", "")
        first = str(listen or bind).split()[:1]
        host, _, port = first[0].rpartition(":") if first else ("", "", "")
        options["host"] = args.host or options.get("host") or host.strip("[]") or "127.0.0.1"
        wanted = args.port if args.port is not None else options.get("port") or port or 8080
        options["port"] = str(wanted)
    label = f"{path}#{name}" if name != "main" else path
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if server_context is None or _is_waitress(server_context.object):
        return _serve_waitress(app, options, label)
    if "host" in options and "port" in options:
        print(f"Serving {label} on http://{options['host']}:{options['port']}/", flush=True)
    else:
        print(f"Serving {label} with {_app_name(server_context.object)}", flush=True)
    server_context.local_conf.clear()
    server_context.local_conf.update(options)
    runner = server_context.create()
    with contextlib.suppress(KeyboardInterrupt):
        runner(app)
    return 0


def _is_waitress(factory: Any) -> bool:
    return str(getattr(factory, "__module__", "")).split(".")[0] == "waitress"


def _serve_waitress(app: Any, options: dict[str, Any], label: str) -> int:
    import waitress

    if not {"listen", "host", "port", "unix_socket", "sockets"} & options.keys():
        options.update(host="127.0.0.1", port="8080")
    options.pop("_quiet", None)
    server = waitress.create_server(app, **options)
    listening = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)
    ]
    for host, port in listening:
        host = f"[{host}]" if ":" in str(host) else host
        print(f"Serving {label} on http://{host}:{port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)  # waitress closes its sockets on SystemExit
