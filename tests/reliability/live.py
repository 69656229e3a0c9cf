"""Live servers for the reliability suite and a client that sends bytes as written.

``http.client`` and ``urllib`` normalise or refuse some request lines; ``raw()`` sends the
request exactly as given and parses the answer with ``http.client.HTTPResponse``.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Any

from tests.servers import LiveServer, gunicorn

APP = "tests.reliability.server_app:application"


def waitress_argv(app: str = APP, threads: int = 4) -> list[str]:
    return [
        sys.executable,
        "-m",
        "waitress",
        "--listen=127.0.0.1:{port}",
        f"--threads={threads}",
        app,
    ]


def gunicorn_argv(app: str = APP) -> list[str]:
    # One sync worker: requests run one at a time in one thread of one process.
    return gunicorn(
        "--bind=127.0.0.1:{port}",
        "--workers=1",
        "--worker-class=sync",
        "--timeout=60",
        app,
    )


@contextmanager
def running(argv: list[str], log_dir: Path) -> Iterator[LiveServer]:
    with LiveServer(argv, log_dir, ready_path="/stats/", timeout=60) as server:
        yield server


def raw(
    server: LiveServer,
    head: bytes | str,
    body: bytes = b"",
    *,
    method: str = "GET",
    timeout: float = 15,
) -> tuple[int, Message, bytes]:
    """Send *head* (a request line and headers; ``\\r\\n\\r\\n`` added when missing) as is."""
    if isinstance(head, str):
        head = head.encode("latin-1")
    if not head.endswith(b"\r\n\r\n"):
        head = head.rstrip(b"\r\n") + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(head + body)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        data = response.read()
        return response.status, response.msg, data


def get(server: LiveServer, target: str, *headers: str, method: str = "GET") -> Any:
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    return raw(server, "\r\n".join([*lines, *headers]), method=method)


def stats(server: LiveServer) -> dict[str, Any]:
    status, _, body = get(server, "/stats/")
    assert status == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


def wait_for(
    server: LiveServer, done: Callable[[dict[str, Any]], bool], timeout: float = 20
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        current = stats(server)
        if done(current) or time.monotonic() > deadline:
            return current
        time.sleep(0.05)
