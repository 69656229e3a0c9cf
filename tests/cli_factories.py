"""PasteDeploy factories for the CLI tests (``use = call:tests.cli_factories:...``): the same
objects djwsgi's own factories build — DjangoApplication, URLMap, mounts — and real foreign
apps (Flask, Pyramid), so that ``djwsgi routes/check/serve`` are tested on their own."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.generic import TemplateView

import djwsgi
from djwsgi.conf import ensure_setup, select_settings


def _app(target: Any, settings: str | None, middleware: str | None = None) -> Any:
    app = djwsgi.wsgi_application(
        target, settings=settings, middleware=middleware.split() if middleware else None
    )
    app.setup()  # as djwsgi's factories do: every dotted path checked at start-up
    return app


def make_view_app(global_conf: dict[str, str], view: str, settings: str | None = None) -> Any:
    """``[app:x]`` / ``use = call:tests.cli_factories:make_view_app`` / ``view = pkg:view``"""
    return _app(view, settings)


def make_urlconf_app(
    global_conf: dict[str, str],
    urlconf: str,
    settings: str | None = None,
    middleware: str | None = None,
) -> Any:
    return _app(urlconf, settings, middleware)


def make_flask_app(global_conf: dict[str, str]) -> Any:
    from flask import Flask

    app = Flask("tests.cli_factories")

    @app.route("/")
    def index() -> str:
        return "flask here"

    return app


def make_pyramid_app(global_conf: dict[str, str]) -> Any:
    from pyramid.config import Configurator
    from pyramid.response import Response

    config = Configurator()
    config.add_route("hi", "/")
    config.add_view(lambda request: Response("pyramid here"), route_name="hi")
    return config.make_wsgi_app()


def make_guard(global_conf: dict[str, str], **local_conf: str) -> Any:
    """A ``[filter:]`` putting Django's session and auth middleware in front of an app."""
    middleware = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    return lambda app: djwsgi.wsgi_application([djwsgi.mount("", app)], middleware=middleware)


def make_site(loader: Any, global_conf: dict[str, str], **local_conf: str) -> Any:
    """``[composite:]`` a Django URLconf with other ini apps mounted inside it:
    ``urlconf = tests.urls`` and ``mount.wiki = some_app``."""
    select_settings(local_conf.get("settings"))
    ensure_setup()  # include() below imports the URLconf
    mounts = [
        djwsgi.mount(key[len("mount.") :], loader.get_app(value, global_conf=global_conf))
        for key, value in local_conf.items()
        if key.startswith("mount.")
    ]
    return _app([*mounts, path("", include(local_conf["urlconf"]))], local_conf.get("settings"))


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello from django", content_type="text/plain")


#: ``urls.E009`` (an error): a view class where its ``as_view()`` belongs.
broken_urlpatterns = [path("broken/", TemplateView)]  # type: ignore[call-overload]

#: ``urls.W002`` (a warning): a route beginning with "/".
slash_urlpatterns = [path("/slash/", hello, name="slash")]
