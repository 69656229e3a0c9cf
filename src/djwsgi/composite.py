"""``egg:djwsgi#site``: a Django project with other ini apps mounted inside its URL space.

::

    [composite:site]
    use = egg:djwsgi#site
    settings = mysite.settings
    mount./wiki = trac
    mount./hg = hgweb

    [app:trac]
    use = egg:Trac#main

``/wiki/...`` reaches the ``trac`` app behind the project's middleware, with the Django
user as ``REMOTE_USER``; every other path goes to the project's URLconf (``ROOT_URLCONF``,
or ``urlconf = pkg.urls``), whose ``handler404``/``handler500`` answer errors. Mounts match
on a path-segment boundary, longest prefix first, as in Paste's urlmap, and come before the
project's own patterns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._types import WSGIApplication
from .conf import ConfigurationError
from .paste import _Options
from .view import mount

__all__ = ["site_factory"]

_MOUNT = "mount."
_HANDLERS = ("handler400", "handler403", "handler404", "handler500")


class SiteURLconf:
    """The project's URLconf with the mounts in front: its ``urlpatterns`` and error
    handlers, as a module-like object (hashable, as Django caches resolvers by URLconf)."""

    def __init__(self, urlpatterns: Sequence[Any], project: object, origin: str) -> None:
        self.urlpatterns = list(urlpatterns)
        self.origin = origin
        for name in _HANDLERS:
            handler = getattr(project, name, None)
            if handler is not None:
                setattr(self, name, handler)

    def __repr__(self) -> str:
        return f"<site URLconf of {self.origin}>"


def site_factory(loader: Any, global_conf: dict[str, str], **local_conf: str) -> WSGIApplication:
    """``[composite:site]`` / ``use = egg:djwsgi#site`` / ``mount./wiki = trac``

    Options: those of every djwsgi factory (``settings``, ``middleware``, ``debug``,
    ``django.NAME``, ``migrate``), ``urlconf`` (default ``settings.ROOT_URLCONF``),
    ``remote_user`` and ``csrf_exempt`` (as for :func:`djwsgi.mount`, for every mount).
    """
    options = _Options(
        "site",
        global_conf,
        local_conf,
        optional={"urlconf", "remote_user", "csrf_exempt"},
        prefixes=(_MOUNT,),
    )
    remote_user = options.asbool("remote_user", True)
    csrf_exempt = options.asbool("csrf_exempt", True)
    mounts = _parse_mounts(options)
    options.configure()
    from django.conf import settings

    if options.get("urlconf"):
        option, project = "urlconf", options.import_target("urlconf")
    else:
        option, project = (
            "ROOT_URLCONF",
            options.import_target("ROOT_URLCONF", str(settings.ROOT_URLCONF)),
        )
    if isinstance(project, (list, tuple)):
        project_patterns = list(project)
    elif hasattr(project, "urlpatterns"):
        project_patterns = list(project.urlpatterns)
    else:
        raise options.error(
            option,
            options.get("urlconf") or settings.ROOT_URLCONF,
            f"{type(project).__name__} without urlpatterns (expected a URLconf module)",
        )
    patterns = []
    for key, prefix, name in mounts:
        try:
            app = loader.get_app(name, global_conf=global_conf)
        except LookupError as exc:
            raise options.error(key, name, str(exc)) from exc
        patterns.append(mount(prefix, app, remote_user=remote_user, csrf_exempt=csrf_exempt))
    origin = options.get("urlconf") or str(settings.ROOT_URLCONF)
    return options.application(SiteURLconf([*patterns, *project_patterns], project, origin))


def _parse_mounts(options: _Options) -> list[tuple[str, str, str]]:
    """``(option, prefix, app name)`` for each ``mount./prefix = name``, longest first."""
    seen: dict[str, str] = {}
    mounts = []
    for key, raw in options.local.items():
        if not key.startswith(_MOUNT):
            continue
        prefix = key[len(_MOUNT) :].strip().strip("/")
        name = raw.strip()
        segments = prefix.split("/")
        if not prefix or any(not s or s in (".", "..") or s != s.strip() for s in segments):
            raise options.error(
                key,
                raw,
                "expected mount./path = app, with a non-empty path such as mount./wiki "
                "(a mount at the root would hide the whole project)",
            )
        if not name or len(name.split()) != 1:
            raise options.error(key, raw, "expected the name of one app of this ini file")
        if prefix in seen:
            raise options.error(key, raw, f"the same path as {seen[prefix]}")
        seen[prefix] = key
        mounts.append((key, prefix, name))
    if not mounts:
        raise ConfigurationError(
            f"{options.where}: no mount./path = app option (use egg:djwsgi#project for a "
            "project with nothing mounted)"
        )
    mounts.sort(key=lambda item: item[1].count("/"), reverse=True)
    return mounts
