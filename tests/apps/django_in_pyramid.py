"""A Pyramid application with a Django URLconf mounted by ``config.add_django_app``.

``make_app()`` is the WSGI application the Pyramid tests serve (in-process and under a
waitress subprocess: ``waitress-serve --call tests.apps.django_in_pyramid:make_app``).
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.wsgi import wsgiapp2

import djwsgi

URLCONF = "tests.apps.django_in_pyramid_urls"


def home(request: Request) -> Response:
    return Response(
        f"pyramid home; django at {request.route_url('legacy', subpath='/page/')}",
        content_type="text/plain",
    )


def buffered_hash(request: Request) -> Any:
    """A control for the memory test: a Pyramid view that reads the whole body first."""
    request.body  # noqa: B018 (reading it is the point)
    return wsgiapp2(DJANGO)(None, request)


DJANGO = djwsgi.wsgi_application(URLCONF)


def make_app(**settings: Any) -> Any:
    config = Configurator(settings=settings)
    config.include("djwsgi.pyramid")
    config.add_route("home", "/")
    config.add_view(home, route_name="home")
    config.add_django_app("legacy", "/legacy", DJANGO)
    config.add_route("plain", "/plain/*subpath")
    config.add_view(wsgiapp2(DJANGO), route_name="plain")
    config.add_route("buffered", "/buffered/*subpath")
    config.add_view(buffered_hash, route_name="buffered")
    return config.make_wsgi_app()
