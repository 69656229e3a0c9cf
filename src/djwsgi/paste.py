"""PasteDeploy factories: Django views, URLconfs and projects as ini apps, and Django's
middleware (sessions, auth) as an ini filter in front of any WSGI application.

::

    [composite:main]
    use = egg:Paste#urlmap
    /blog = blog
    /wiki = wiki
    not_found_app = not_found

    [app:blog]
    use = egg:djwsgi#urlconf
    urlconf = blog.urls
    settings = mysite.settings

    [pipeline:wiki]
    pipeline = guard wiki_app

    [filter:guard]
    use = egg:djwsgi#django
    settings = mysite.settings
    login_required = true

    [app:not_found]
    use = egg:djwsgi#not_found

Options every Django factory takes (values arrive as strings, as PasteDeploy gives them):

``settings`` (alias ``django_settings_module``)
    the settings module, from the section or ``[DEFAULT]``. Django has one settings object
    per process: sections naming different modules are refused.
``middleware = a.B c.D``
    this application's middleware chain (whitespace-separated), instead of ``MIDDLEWARE``.
``debug``
    sets ``DEBUG`` when djwsgi builds the settings itself (no settings module); ignored
    otherwise. From ``[DEFAULT]`` or the section (``set debug = ...`` to override a default).
``django.NAME = value``
    one setting, parsed as a Python literal, else kept as a string; from ``[DEFAULT]`` (for
    every section: the usual place) or the section. Only without a settings module: djwsgi
    then configures Django from its minimal settings plus these. Combined with
    ``settings = ...`` it is an error; when an earlier section (or
    ``DJANGO_SETTINGS_MODULE``) has put settings in force already, the value must agree.
``migrate = true``
    run ``manage.py migrate`` for the default database once, when the app is loaded.

Every factory sets Django up before it returns, so a typo in any dotted path fails at load
time with a :class:`~djwsgi.ConfigurationError` naming the option, the value and the file.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
import secrets
import sys
import tempfile
import threading
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from paste.deploy.converters import asbool

from . import conf as _conf
from ._types import StartResponse, Target, WSGIApplication, WSGIEnvironment
from .conf import (
    MINIMAL_SETTINGS,
    ConfigurationError,
    ensure_setup,
    import_target,
    select_settings,
    settings_in_force,
)
from .handler import DjangoApplication
from .view import mount

__all__ = [
    "django_filter_app_factory",
    "not_found_app",
    "not_found_factory",
    "project_factory",
    "urlconf_factory",
    "view_factory",
]

#: Options every Django factory accepts, besides ``django.NAME``.
_COMMON = frozenset({"settings", "django_settings_module", "middleware", "debug", "migrate"})
_SETTING_PREFIX = "django."
_MISSING = object()


def view_factory(global_conf: dict[str, str], **local_conf: str) -> WSGIApplication:
    """``[app:home]`` / ``use = egg:djwsgi#view`` / ``view = pkg.views:home``

    :func:`djwsgi.wsgi_application` of one view: it answers every path under its mount.
    """
    options = _Options("view", global_conf, local_conf, required={"view"})
    value = options.get("view")
    assert value is not None
    if ":" not in value:
        raise options.error(
            "view", value, "expected 'package.module:callable' (a module is not a view)"
        )
    options.configure()
    view = options.import_target("view")
    if isinstance(view, type) or not callable(view) or hasattr(view, "urlpatterns"):
        kind = "a class" if isinstance(view, type) else type(view).__name__
        name = getattr(view, "__name__", "View")
        hint = (
            f"; name a view made with {name}.as_view(), e.g. a module-level "
            f"{name.lower()} = {name}.as_view()"
            if hasattr(view, "as_view")
            else ""
        )
        raise options.error(
            "view", value, f"is {kind}, not a view (expected 'package.module:callable'{hint})"
        )
    return options.application(view)


def urlconf_factory(global_conf: dict[str, str], **local_conf: str) -> WSGIApplication:
    """``[app:blog]`` / ``use = egg:djwsgi#urlconf`` / ``urlconf = blog.urls``

    :func:`djwsgi.wsgi_application` of a URLconf module (or ``pkg.mod:patterns``, a list):
    routed like ``ROOT_URLCONF``, ``reverse()`` answering under the mount point.
    """
    options = _Options("urlconf", global_conf, local_conf, required={"urlconf"})
    options.configure()
    urlconf = options.import_target("urlconf")
    if not isinstance(urlconf, (list, tuple)) and not hasattr(urlconf, "urlpatterns"):
        raise options.error(
            "urlconf",
            options.get("urlconf"),
            f"{type(urlconf).__name__} without urlpatterns (expected a URLconf module "
            "'package.urls' or a pattern list 'package.module:patterns')",
        )
    return options.application(urlconf)


def project_factory(global_conf: dict[str, str], **local_conf: str) -> WSGIApplication:
    """``[app:site]`` / ``use = egg:djwsgi#project`` / ``settings = mysite.settings``

    The whole project: ``settings.WSGI_APPLICATION`` if set, else Django's
    ``get_wsgi_application()`` (``ROOT_URLCONF`` behind ``MIDDLEWARE``). With
    ``middleware = ...`` it is ``wsgi_application(ROOT_URLCONF, middleware=...)`` instead.
    """
    options = _Options("project", global_conf, local_conf)
    no_project = settings_in_force() is None or _conf._configured_by_djwsgi is not None
    if no_project and options.settings_module() is None and "ROOT_URLCONF" not in options.overrides:
        raise ConfigurationError(
            f"{options.where}: no settings: a project needs settings = package.settings "
            "(in the section or [DEFAULT]), DJANGO_SETTINGS_MODULE, or at least "
            "django.ROOT_URLCONF"
        )
    options.configure()
    from django.conf import settings

    root = settings.ROOT_URLCONF
    options.import_target("ROOT_URLCONF", root)
    if options.middleware() is not None:
        if getattr(settings, "WSGI_APPLICATION", None):
            raise options.error(
                "middleware",
                options.get("middleware"),
                f"cannot be applied to WSGI_APPLICATION = {settings.WSGI_APPLICATION!r}; "
                "drop one of them",
            )
        return options.application(root)
    from django.core.servers.basehttp import get_internal_wsgi_application

    try:
        app: WSGIApplication = get_internal_wsgi_application()
    except ImproperlyConfigured as exc:
        raise ConfigurationError(f"{options.where}: {exc}") from exc
    options.migrate()
    return app


def django_filter_app_factory(
    app: WSGIApplication, global_conf: dict[str, str], **local_conf: str
) -> WSGIApplication:
    """``[filter:guard]`` / ``use = egg:djwsgi#django`` / ``login_required = true``

    Django's middleware (sessions, auth, ...) in front of *app*, which sees the Django user
    as ``REMOTE_USER``: ``wsgi_application([mount("", app)], middleware=...)``.

    - ``login_required = true``: anonymous users, whatever the method, are redirected to
      ``login_url`` (default ``settings.LOGIN_URL``; a path as the browser sees it, e.g.
      ``/accounts/login/``) with ``?next=`` the full path they asked for.
    - ``remote_user = false``: pass the server's ``REMOTE_USER`` through untouched.
    - ``csrf_exempt = false``: keep Django's CSRF check in front of the app.
    """
    options = _Options(
        "django",
        global_conf,
        local_conf,
        optional={"login_required", "login_url", "remote_user", "csrf_exempt"},
    )
    guard = options.asbool("login_required", False)
    pattern = mount(
        "",
        app,
        remote_user=options.asbool("remote_user", True),
        csrf_exempt=options.asbool("csrf_exempt", True),
    )
    options.configure()
    if guard:
        from django.contrib.auth.decorators import login_required

        pattern.callback = login_required(pattern.callback, login_url=options.login_url())
    application = options.application([pattern])
    if guard:
        options.require_auth_middleware(application)
    return application


def not_found_factory(global_conf: dict[str, str], **local_conf: str) -> WSGIApplication:
    """``[app:not_found]`` / ``use = egg:djwsgi#not_found``

    A plain 404 for ``egg:Paste#urlmap``'s ``not_found_app``: unlike Paste's own, it lists
    neither the mounted apps nor the environ. Takes no options and needs no Django.
    """
    _Options("not_found", global_conf, local_conf, common=False)
    return not_found_app


_NOT_FOUND_BODY = b"Not Found\n\nThe requested URL was not found on this server.\n"


def not_found_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """A WSGI app answering ``404 Not Found`` in plain text to every request."""
    start_response(
        "404 Not Found",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(_NOT_FOUND_BODY))),
        ],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [_NOT_FOUND_BODY]


class _Options:
    """One factory's ini options, checked in one place: unknown keys, booleans, lists,
    ``django.NAME`` overrides, and errors naming the option, the value and the ini file."""

    def __init__(
        self,
        kind: str,
        global_conf: Mapping[str, str],
        local_conf: Mapping[str, str],
        *,
        required: Collection[str] = (),
        optional: Collection[str] = (),
        prefixes: Sequence[str] = (),
        common: bool = True,
    ) -> None:
        self.kind = kind
        self.global_conf = global_conf
        self.local = dict(local_conf)
        ini = global_conf.get("__file__")
        self.where = f"egg:djwsgi#{kind} in {ini}" if ini else f"egg:djwsgi#{kind}"
        known = {*required, *optional, *(_COMMON if common else ())}
        unknown = sorted(
            key
            for key in self.local
            if key not in known
            and not (common and key.startswith(_SETTING_PREFIX))
            and not key.startswith(tuple(prefixes))
        )
        if unknown:
            accepted = sorted(known) + (["django.NAME"] if common else [])
            accepted += [f"{prefix}..." for prefix in prefixes]
            raise ConfigurationError(
                f"{self.where}: unknown option{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)} (accepted: {', '.join(accepted) or 'none'})"
            )
        missing = sorted(name for name in required if not self.local.get(name, "").strip())
        if missing:
            raise ConfigurationError(f"{self.where}: missing option {', '.join(missing)}")
        self.overrides = self._parse_overrides() if common else {}

    def error(self, option: str, value: object, detail: str) -> ConfigurationError:
        return ConfigurationError(f"{self.where}: {option} = {value!r}: {detail}")

    def get(self, name: str) -> str | None:
        value = self.local.get(name)
        return value.strip() if value is not None else None

    def asbool(self, name: str, default: bool) -> bool:
        value = self.local.get(name)
        if value is None:
            return default
        try:
            return bool(asbool(value))
        except ValueError:
            raise self.error(name, value, "expected true or false") from None

    def _parse_overrides(self) -> dict[str, Any]:
        """``django.NAME`` from ``[DEFAULT]`` (shared by every section), then the section."""
        overrides: dict[str, Any] = {}
        for key, raw in [*self.global_conf.items(), *self.local.items()]:
            if not key.startswith(_SETTING_PREFIX):
                continue
            name = key[len(_SETTING_PREFIX) :]
            if not name.isidentifier() or not name.isupper():
                hint = f" (did you mean django.{name.upper()}?)" if name.isidentifier() else ""
                raise self.error(key, raw, f"Django setting names are upper case{hint}")
            try:
                overrides[name] = ast.literal_eval(raw.strip())
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                overrides[name] = raw.strip()
        return overrides

    def settings_module(self) -> str | None:
        """``settings`` or ``django_settings_module``, from the section, else ``[DEFAULT]``."""
        for source, label in ((self.local, "section"), (self.global_conf, "[DEFAULT]")):
            given = {
                name: source[name].strip()
                for name in ("settings", "django_settings_module")
                if source.get(name, "").strip()
            }
            if len(set(given.values())) > 1:
                raise ConfigurationError(
                    f"{self.where}: settings = {given['settings']!r} and "
                    f"django_settings_module = {given['django_settings_module']!r} "
                    f"({label}) disagree; give one of them"
                )
            if given:
                return next(iter(given.values()))
        return None

    def debug(self) -> bool | None:
        name = "debug"
        value = self.local.get(name, self.global_conf.get(name))
        if value is None or not value.strip():
            return None
        try:
            return bool(asbool(value))
        except ValueError:
            raise self.error(name, value, "expected true or false") from None

    def middleware(self) -> list[str] | None:
        value = self.get("middleware")
        if value is None:
            return None
        chain = value.split()
        for path in chain:
            if not all(part.isidentifier() for part in path.split(".")) or "." not in path:
                raise self.error(
                    "middleware", value, f"{path!r} is not a dotted path like 'package.Class'"
                )
        return chain

    def configure(self) -> None:
        """Select or build the process's Django settings, then set Django up."""
        module = self.settings_module()
        debug = self.debug()  # checked even where it has no effect
        if module is not None:
            if self.overrides:
                names = ", ".join(f"django.{name}" for name in self.overrides)
                raise ConfigurationError(
                    f"{self.where}: {names} cannot be combined with settings = {module!r}: "
                    f"djwsgi does not override a settings module; set them in {module}, or "
                    "drop settings = and let djwsgi configure Django from django.NAME options"
                )
            try:
                select_settings(module)
            except ConfigurationError as exc:
                detail = str(exc).removeprefix(f"settings={module!r} ")
                raise ConfigurationError(
                    f"{self.where}: settings = {module!r}: {detail}; give every section the "
                    "same settings (e.g. once, in [DEFAULT])"
                ) from exc
        else:
            _configure_from_ini(self, debug)
        try:
            ensure_setup()
        except ConfigurationError as exc:
            raise ConfigurationError(f"{self.where}: {exc}") from exc

    def import_target(self, option: str, value: str | None = None) -> Any:
        """Import the dotted path *value* (default: the option's value), naming *option*."""
        value = value if value is not None else self.get(option)
        assert value is not None
        try:
            return import_target(value, what=f"{option} =")
        except ConfigurationError as exc:
            raise ConfigurationError(f"{self.where}: {exc}") from exc

    def application(self, target: Target | Any) -> DjangoApplication:
        """``wsgi_application(target, middleware=...)``, set up now: middleware imported,
        then ``migrate`` run if asked for."""
        middleware = self.middleware()
        app = DjangoApplication(target, middleware=middleware)
        try:
            app.setup()
        except ImproperlyConfigured as exc:
            if middleware is not None:
                raise self.error("middleware", self.get("middleware"), str(exc)) from exc
            raise ConfigurationError(f"{self.where}: settings.MIDDLEWARE: {exc}") from exc
        self.migrate()
        return app

    def login_url(self) -> str:
        from django.conf import settings

        given = self.get("login_url")
        url = given or str(settings.LOGIN_URL)
        if "/" not in url and "." not in url:
            source = ("login_url", given) if given else ("settings.LOGIN_URL", url)
            raise self.error(
                *source,
                "is a URL name, which this filter cannot reverse (its URLconf holds only the "
                "wrapped app); give the login page's path, e.g. login_url = /accounts/login/",
            )
        return url

    def require_auth_middleware(self, app: DjangoApplication) -> None:
        from django.conf import settings
        from django.contrib.auth.middleware import AuthenticationMiddleware
        from django.utils.module_loading import import_string

        chain = app.middleware if app.middleware is not None else settings.MIDDLEWARE
        if not any(
            isinstance(cls, type) and issubclass(cls, AuthenticationMiddleware)
            for cls in map(import_string, chain)
        ):
            option, value = (
                ("middleware", self.get("middleware"))
                if app.middleware is not None
                else ("settings.MIDDLEWARE", list(chain))
            )
            raise self.error(
                option,
                value,
                "login_required = true needs django.contrib.sessions.middleware."
                "SessionMiddleware and django.contrib.auth.middleware.AuthenticationMiddleware",
            )

    def migrate(self) -> None:
        if not self.asbool("migrate", False):
            return
        _migrate_once(self)


_ini_lock = threading.Lock()


def _configure_from_ini(options: _Options, debug: bool | None) -> None:
    """No settings module: build Django's settings from djwsgi's minimal ones plus the
    section's ``django.NAME`` and ``debug``, or check them against the settings in force."""
    with _ini_lock:
        if settings_in_force() is None:
            wanted = {**MINIMAL_SETTINGS, **({} if debug is None else {"DEBUG": debug})}
            wanted.update(options.overrides)
            if "SECRET_KEY" not in wanted:
                wanted["SECRET_KEY"] = secrets.token_urlsafe(50)
                warnings.warn(
                    f"{options.where}: djwsgi configured Django settings with a random "
                    "SECRET_KEY for this process: signed cookies and sessions will not survive "
                    "a restart. Set django.SECRET_KEY or settings = package.settings.",
                    RuntimeWarning,
                    stacklevel=4,
                )
            select_settings(wanted)
            return
        checks = dict(options.overrides)
        if debug is not None and _conf._configured_by_djwsgi is not None:
            checks.setdefault("DEBUG", debug)
        if not checks:
            return
        from django.conf import settings

        for name, value in checks.items():
            try:
                current = getattr(settings, name, _MISSING)
            except ImportError as exc:
                raise ConfigurationError(
                    f"{options.where}: settings {settings_in_force()} cannot be loaded: {exc}"
                ) from exc
            if current != value:
                option = f"django.{name}" if name in options.overrides else "debug"
                raw = options.local.get(option, options.global_conf.get(option))
                now = "unset" if current is _MISSING else f"{name} = {current!r}"
                raise options.error(
                    option,
                    raw,
                    f"Django settings are already in force in this process "
                    f"({settings_in_force()}) with {now}; Django has one settings object per "
                    "process, so give every section the same django.NAME options (e.g. in "
                    "the first section loaded)",
                )


_migrate_lock = threading.Lock()
_migrated = False


def _migrate_once(options: _Options) -> None:
    """``migrate`` once per process; across processes (gunicorn workers loading the same
    ini) serialised by a lock file, so that two never migrate one database at once."""
    global _migrated
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import DatabaseError

    with _migrate_lock:
        if _migrated:
            return
        try:
            with _interprocess_lock():
                # On stderr: stdout belongs to the program loading the ini (djwsgi routes --json).
                call_command("migrate", interactive=False, verbosity=1, stdout=sys.stderr)
        except (ImproperlyConfigured, CommandError, DatabaseError) as exc:
            raise options.error("migrate", options.get("migrate"), str(exc)) from exc
        _migrated = True


@contextlib.contextmanager
def _interprocess_lock() -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no lock, workers there are threads
        yield
        return
    from django.conf import settings

    key = hashlib.sha256(repr(settings.DATABASES).encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"djwsgi-migrate-{key}.lock")
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
