"""A bare WSGI application with a PasteDeploy factory (``use = call:legacy:app_factory``)."""

from collections.abc import Callable, Iterable
from typing import Any


def app_factory(global_conf: dict[str, str], greeting: str = "Hello") -> Callable[..., Any]:
    def legacy(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = f"{greeting} at {environ['SCRIPT_NAME']}{environ['PATH_INFO']}\n".encode()
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return legacy
