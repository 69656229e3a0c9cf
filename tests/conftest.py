"""Suite-wide set-up: the test project's settings, and fixtures every bridge test uses.

- ``validated(app)``: *app* wrapped in :func:`wsgiref.validate.validator` (PEP 3333 checks).
- ``close_counter``: a factory of WSGI apps whose response iterables count their ``close()``.
- ``live_server``: a factory of :class:`tests.servers.LiveServer` stopped after the test.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import django
import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from tests.servers import LiveServer  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    db = Path(config.rootpath) / ".pytest-db" / f"test-{os.getpid()}.sqlite3"
    db.parent.mkdir(exist_ok=True)
    os.environ.setdefault("DJWSGI_TEST_DB", str(db))
    django.setup()


@pytest.fixture(scope="session")
def django_db() -> Iterator[None]:
    """A migrated sqlite database for the whole session."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    yield


@pytest.fixture
def validated() -> Callable[[Any], Any]:
    return validator


class CountingBody:
    """A response iterable that records how often ``close()`` reached it."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self.closes = 0
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._chunks)
        self.served += 1
        return chunk

    def close(self) -> None:
        self.closes += 1


class CloseCounter:
    """Makes WSGI apps whose bodies are :class:`CountingBody`; ``bodies`` keeps each one."""

    def __init__(self) -> None:
        self.bodies: list[CountingBody] = []
        self._lock = threading.Lock()

    def app(
        self,
        chunks: Iterable[bytes] = (b"hello",),
        status: str = "200 OK",
        headers: list[tuple[str, str]] | None = None,
    ) -> Callable[..., CountingBody]:
        chunk_list = list(chunks)

        def counting_app(environ: dict[str, Any], start_response: Any) -> CountingBody:
            start_response(status, headers or [("Content-Type", "text/plain")])
            body = CountingBody(chunk_list)
            with self._lock:
                self.bodies.append(body)
            return body

        return counting_app

    @property
    def closes(self) -> list[int]:
        return [body.closes for body in self.bodies]


@pytest.fixture
def close_counter() -> CloseCounter:
    return CloseCounter()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def start(argv: list[str], **kwargs: Any) -> LiveServer:
        server = LiveServer(argv, tmp_path, **kwargs)
        server.__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
