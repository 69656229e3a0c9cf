"""A real Flask app; paste.ini.sample puts Django's login in front of it (egg:djwsgi#django)."""

from typing import Any

from flask import Flask, request, url_for

app = Flask(__name__)


@app.route("/")
def greet() -> str:
    user = request.environ.get("REMOTE_USER", "stranger")
    return f"Hello, {user}! (Flask at {url_for('greet')})\n"


def app_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    """``use = call:demo.flask_app:app_factory``"""
    return app
