"""Django settings and dotted paths, set up lazily and checked loudly.

Django has one settings object per process.  djwsgi never touches it at import time;
it selects or configures settings when an application is built (``settings=``) and runs
:func:`django.setup` once, thread-safely, before the first request is handled::

    ensure_setup()                         # minimal settings if nothing else is configured
    select_settings("mysite.settings")     # sets DJANGO_SETTINGS_MODULE, or refuses a conflict
    view = import_target("blog.views:home", what="view")
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import secrets
import threading
import warnings
from collections.abc import Mapping
from typing import Any

import django
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "ConfigurationError",
    "MINIMAL_SETTINGS",
    "ensure_setup",
    "import_target",
    "locate_target",
    "select_settings",
    "settings_in_force",
]

ENVIRONMENT_VARIABLE = "DJANGO_SETTINGS_MODULE"

#: What djwsgi configures when the process has no Django settings at all.
MINIMAL_SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]"],
    "MIDDLEWARE": [],
    "INSTALLED_APPS": [],
    "DATABASES": {},
    "ROOT_URLCONF": "djwsgi._empty_urls",
    "USE_TZ": True,
}


class ConfigurationError(ImproperlyConfigured):
    """djwsgi cannot build what it was asked for; the message names the culprit."""


_lock = threading.RLock()
_setup_done = False
_configured_by_djwsgi: dict[str, Any] | None = None
_configured_minimal = False


def settings_in_force() -> str | None:
    """Describe the settings this process uses, or ``None`` when none are chosen yet."""
    if django_settings.configured:
        module = getattr(django_settings, "SETTINGS_MODULE", None)
        if module:
            return str(module)
        if _configured_by_djwsgi is not None:
            if _configured_minimal:
                return "djwsgi's minimal settings (configured on first use)"
            return "djwsgi's settings (configured from a mapping)"
        return "settings made by settings.configure()"
    module = os.environ.get(ENVIRONMENT_VARIABLE)
    return f"{module} (from ${ENVIRONMENT_VARIABLE})" if module else None


def select_settings(settings: str | Mapping[str, Any] | None) -> None:
    """Make *settings* the settings of this process, or refuse if others are in force.

    :param settings: a settings module's dotted name, a mapping of setting names to
        values (passed to ``settings.configure()``), or ``None`` to accept whatever is
        or will be configured.
    :raises ConfigurationError: another settings module (or mapping) is already in force,
        or the module cannot be found.
    """
    global _configured_by_djwsgi
    if settings is None:
        return
    with _lock:
        if isinstance(settings, str):
            _select_module(settings)
            return
        if not isinstance(settings, Mapping):
            raise ConfigurationError(
                f"settings={settings!r}: expected a settings module's dotted name or a "
                "mapping of setting names to values"
            )
        wanted = dict(settings)
        bad = sorted(name for name in wanted if not name.isupper())
        if bad:
            raise ConfigurationError(
                f"settings mapping: setting names must be upper case; got {', '.join(bad)}"
            )
        if _configured_by_djwsgi is not None and _configured_by_djwsgi == wanted:
            return
        in_force = settings_in_force()
        if in_force is not None:
            raise ConfigurationError(
                f"cannot configure Django settings from a mapping: {in_force} already in "
                "force in this process (Django has one settings object per process)"
            )
        django_settings.configure(**wanted)
        _configured_by_djwsgi = wanted


def _select_module(module: str) -> None:
    if django_settings.configured:
        current = getattr(django_settings, "SETTINGS_MODULE", None)
        if current != module:
            raise ConfigurationError(
                f"settings={module!r} conflicts with {settings_in_force()} already in force "
                "in this process (Django has one settings object per process)"
            )
        return
    current = os.environ.get(ENVIRONMENT_VARIABLE)
    if current and current != module:
        raise ConfigurationError(
            f"settings={module!r} conflicts with {current!r} already in force in this "
            f"process (from ${ENVIRONMENT_VARIABLE}); Django has one settings object per process"
        )
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:  # a parent package is missing
        raise ConfigurationError(f"settings module {module!r} cannot be found: {exc}") from exc
    if found is None:
        raise ConfigurationError(f"settings module {module!r} cannot be found")
    os.environ[ENVIRONMENT_VARIABLE] = module


def ensure_setup() -> None:
    """Configure minimal settings if none are chosen, then run ``django.setup()`` once."""
    global _setup_done, _configured_by_djwsgi, _configured_minimal
    if _setup_done:
        return
    with _lock:
        if _setup_done:
            return
        if settings_in_force() is None:
            minimal = dict(MINIMAL_SETTINGS, SECRET_KEY=secrets.token_urlsafe(50))
            warnings.warn(
                "djwsgi configured minimal Django settings with a random SECRET_KEY for this "
                "process: signed cookies and sessions will not survive a restart. Pass "
                "settings= or set DJANGO_SETTINGS_MODULE to choose your own.",
                RuntimeWarning,
                stacklevel=3,
            )
            django_settings.configure(**minimal)
            _configured_by_djwsgi = minimal
            _configured_minimal = True
        try:
            django.setup(set_prefix=False)
        except ImportError as exc:
            raise ConfigurationError(
                f"Django settings {settings_in_force()} could not be loaded: {exc}"
            ) from exc
        _setup_done = True


def _split(dotted: str, what: str) -> tuple[str, str | None]:
    if not isinstance(dotted, str) or not dotted.strip():
        raise ConfigurationError(
            f"{what} {dotted!r}: expected a dotted path like 'package.module' or "
            "'package.module:attribute'"
        )
    module, sep, attr = dotted.strip().partition(":")
    if sep and not attr:
        raise ConfigurationError(
            f"{what} {dotted!r}: nothing after ':' (expected 'package.module:attribute')"
        )
    parts = [module, *(attr.split(".") if attr else [])]
    if not all(part.isidentifier() for piece in parts for part in piece.split(".")):
        raise ConfigurationError(
            f"{what} {dotted!r} is not a dotted path (expected 'package.module' or "
            "'package.module:attribute')"
        )
    return module, (attr or None)


def locate_target(dotted: str, *, what: str = "target") -> None:
    """Check that the module of *dotted* exists, without importing it.

    Finding a submodule imports its parent packages (as Python must), never the module itself.

    :raises ConfigurationError: naming *dotted* when its module cannot be found.
    """
    module, _ = _split(dotted, what)
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        raise ConfigurationError(f"{what} {dotted!r}: module {module!r} not found ({exc})") from exc
    if found is None:
        raise ConfigurationError(f"{what} {dotted!r}: module {module!r} not found")


def import_target(dotted: str, *, what: str = "target") -> Any:
    """Import ``"pkg.mod"`` (the module) or ``"pkg.mod:attr"`` (an attribute of it).

    :raises ConfigurationError: naming *dotted* and what is missing.
    """
    module_name, attr = _split(dotted, what)
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        missing = exc.name or ""
        if missing == module_name or module_name.startswith(missing + "."):
            raise ConfigurationError(
                f"{what} {dotted!r}: module {module_name!r} not found"
            ) from exc
        raise ConfigurationError(
            f"{what} {dotted!r}: importing {module_name!r} failed: {exc}"
        ) from exc
    for name in attr.split(".") if attr else ():
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise ConfigurationError(
                f"{what} {dotted!r}: {type(obj).__name__} {getattr(obj, '__name__', obj)!r} "
                f"has no attribute {name!r}"
            ) from None
    return obj
