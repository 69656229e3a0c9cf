"""A real Pyramid application for the bridge tests: reports the URLs Pyramid generates."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response


def where(request: Request) -> dict[str, Any]:
    return {
        "route_url": request.route_url("page", name="x"),
        "route_path": request.route_path("page", name="x"),
        "script_name": request.script_name,
        "path_info": request.path_info,
        "remote_user": request.environ.get("REMOTE_USER"),
    }


def page(request: Request) -> Response:
    return Response(f"pyramid page {request.matchdict['name']}", content_type="text/plain")


def make_app() -> Any:
    with Configurator() as config:
        config.add_route("where", "/")
        config.add_route("page", "/page/{name}")
        config.add_view(where, route_name="where", renderer="json")
        config.add_view(page, route_name="page")
        return config.make_wsgi_app()


app = make_app()
