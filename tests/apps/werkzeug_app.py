"""A real Werkzeug application (routing ``Map``, ``Request``/``Response``) for the bridge
tests: reports the URLs Werkzeug builds and streams what it is asked to."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

url_map = Map([Rule("/", endpoint="where"), Rule("/page/<name>", endpoint="page")])


def where(request: Request, adapter: Any) -> Response:
    body = {
        "url_for": adapter.build("page", {"name": "x"}),
        "external": adapter.build("page", {"name": "x"}, force_external=True),
        "script_root": request.script_root,
        "path": request.path,
    }
    return Response(json.dumps(body), mimetype="application/json")


def page(request: Request, adapter: Any, name: str) -> Response:
    return Response(f"werkzeug page {name}", mimetype="text/plain")


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    request = Request(environ)
    adapter = url_map.bind_to_environ(environ)
    try:
        endpoint, values = adapter.match()
        response = {"where": where, "page": page}[endpoint](request, adapter, **values)
    except HTTPException as exc:
        return exc(environ, start_response)
    return response(environ, start_response)
