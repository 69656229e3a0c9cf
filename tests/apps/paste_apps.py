"""Real foreign apps for the PasteDeploy tests, with PasteDeploy ``app_factory`` functions
(``use = call:tests.apps.paste_apps:flask_factory``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from werkzeug.wrappers import Request, Response

flask_app = Flask(__name__)


@flask_app.route("/", methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE"])
def greet() -> str:
    user = request.environ.get("REMOTE_USER")
    return f"Hello, {user}! at {url_for('greet')}" if user else f"anonymous at {url_for('greet')}"


@Request.application  # type: ignore[arg-type]
def echo(req: Request) -> Response:
    """Werkzeug: echoes where it is mounted and who asks."""
    environ = req.environ
    return Response(
        f"script={environ['SCRIPT_NAME']} path={environ['PATH_INFO']} "
        f"user={environ.get('REMOTE_USER', '-')}",
        content_type="text/plain",
    )


def flask_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    return flask_app


def echo_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    return echo
