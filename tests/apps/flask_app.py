"""A real Flask application for the WSGI → Django bridge tests.

Each route reports what Flask saw (paths, URLs, body, identity, environ keys) or answers
with something the bridge must pass back untouched (cookies, a reason phrase, repeated
headers, a relative redirect, no Content-Type).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, Response, jsonify, redirect, request, url_for

app = Flask(__name__)


@app.route("/")
def index() -> Any:
    return jsonify(
        script_root=request.script_root,
        path=request.path,
        url=url_for("page", name="x"),
        external=url_for("page", name="x", _external=True),
    )


@app.route("/page/<name>")
def page(name: str) -> str:
    return f"page {name}"


@app.route("/path/<path:rest>")
def path(rest: str) -> Any:
    return jsonify(path=request.path, rest=rest, script_root=request.script_root)


@app.route("/echo", methods=["POST"])
def echo() -> Any:
    """The raw body as Flask read it, plus the parsed form when it is one."""
    try:
        data = request.get_data(cache=True)
    except Exception as exc:  # what a careful app does with an unreadable body
        return Response(
            f"cannot read the body: {type(exc).__name__}: {exc}", status=500, mimetype="text/plain"
        )
    return jsonify(
        length=len(data),
        content_length=request.content_length,
        sha256=hashlib.sha256(data).hexdigest(),
        form=request.form.to_dict(flat=False),
        files={k: f.read().decode("latin-1") for k, f in request.files.items()},
    )


@app.route("/cookies")
def cookies() -> Response:
    response = Response("two cookies", mimetype="text/plain")
    response.set_cookie(
        "session", "abc", httponly=True, secure=True, samesite="Strict", path="/flask/"
    )
    response.set_cookie(
        "theme", "dark", expires=1893456000, path="/", samesite="Lax", httponly=True
    )
    return response


@app.route("/created", methods=["GET", "POST"])
def created() -> Response:
    return Response("made", status="201 Created Here", mimetype="text/plain")


@app.route("/environ", methods=["GET", "POST"])
def environ() -> Any:
    env = request.environ
    routing = env.get("wsgiorg.routing_args")
    return jsonify(
        remote_user=env.get("REMOTE_USER"),
        http_remote_user=env.get("HTTP_REMOTE_USER"),
        routing_args=[list(routing[0]), routing[1]] if routing else None,
        djwsgi_request=type(env["djwsgi.request"]).__name__ if "djwsgi.request" in env else None,
        csrf_keys=sorted(k for k in env if k.startswith("CSRF")),
        webob_keys=sorted(k for k in env if k.startswith("webob.")),
        non_str_upper=sorted(k for k, v in env.items() if k.isupper() and type(v) is not str),
        script_name=env["SCRIPT_NAME"],
        path_info=env["PATH_INFO"],
    )


@app.route("/redirect")
def relative_redirect() -> Response:
    return redirect("../page/y")


@app.route("/bare")
def bare() -> Response:
    response = Response(b"no type")
    del response.headers["Content-Type"]
    return response


@app.route("/repeated")
def repeated() -> Response:
    response = Response("repeated", mimetype="text/plain")
    response.headers.add("X-Multi", "a")
    response.headers.add("X-Multi", "b")
    response.headers.add("Cache-Control", "no-cache")
    response.headers.add("Cache-Control", "no-store")
    return response


@app.route("/nothing")
def nothing() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]  # Werkzeug keeps one; PEP 3333 validators refuse it
    return response


@app.route("/etag")
def etag() -> Response:
    response = Response("tagged", mimetype="text/plain")
    response.set_etag("v1")
    return response.make_conditional(request)


@app.route("/stream")
def stream() -> Response:
    def generate() -> Any:
        for i in range(3):
            yield f"chunk {i}\n"

    return Response(generate(), mimetype="text/plain")
