"""The Flask side: it knows nothing of Django but ``REMOTE_USER`` and its mount point."""

from flask import Flask, request, url_for

app = Flask(__name__)


@app.route("/")
def greet() -> str:
    user = request.remote_user  # set by djwsgi from Django's logged-in user
    if user is None:
        return f"Hello, stranger. Log in at /accounts/login/, then come back to {url_for('greet')}"
    name = user.encode("latin-1").decode("utf-8")  # PEP 3333 strings are bytes as latin-1
    return f"Hello, {name}! (Flask at {url_for('greet')})"
