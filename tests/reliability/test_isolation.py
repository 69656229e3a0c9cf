"""Thread-local state (urlconf, script prefix) of nested Django applications: a streaming
view that calls ``reverse()`` while its body is sent answers under its own mount, even
when two such bodies are interleaved in one thread or run in many threads at once."""

from __future__ import annotations

import threading
from typing import Any
from wsgiref.validate import validator

from django.urls import get_script_prefix, get_urlconf

import djwsgi

from . import faulty, server_app
from .wsgi import environ_for, serve


def test_lazy_reverse_in_nested_streaming_view_uses_its_own_mount() -> None:
    for prefix in ("one", "two"):
        served = serve(server_app.application, f"/{prefix}/lazy/")
        assert (served.status, served.error) == ("200 OK", None)
        assert served.body == f"lazy /{prefix}/ /{prefix}/lazy/".encode()
    assert get_urlconf() is None


def test_interleaved_nested_bodies_in_one_thread_keep_their_own_state() -> None:
    results: list[Any] = []
    chunks: dict[str, list[bytes]] = {"one": [], "two": []}
    for prefix in chunks:
        environ = environ_for(f"/{prefix}/lazy/")
        results.append((prefix, validator(server_app._soak)(environ, lambda s, h, e=None: None)))
    iterators = [(prefix, iter(result)) for prefix, result in results]
    set_prefix = get_script_prefix()
    for _ in range(2):  # chunk 1 of each, then chunk 2 of each
        for prefix, iterator in iterators:
            chunks[prefix].append(next(iterator))
    for _, result in results:
        result.close()
    assert b"".join(chunks["one"]) == b"lazy /one/ /one/lazy/"
    assert b"".join(chunks["two"]) == b"lazy /two/ /two/lazy/"
    assert get_script_prefix() == set_prefix and get_urlconf() is None


def test_many_threads_never_see_each_others_mount() -> None:
    wrong: list[str] = []

    def client(k: int) -> None:
        for i in range(60):
            prefix = ("one", "two")[(i + k) % 2]
            target = ("who", "lazy")[i % 2]
            body = serve(server_app.application, f"/{prefix}/{target}/").body
            if f"/{prefix}/{target}/".encode() not in body:
                wrong.append(f"/{prefix}/{target}/ -> {body!r}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert wrong == []


def test_concurrent_first_requests_load_each_applications_own_middleware() -> None:
    # Fresh applications set themselves up on their first request; eight of them at once,
    # half with a middleware chain of their own and half with settings.MIDDLEWARE.
    own = "tests.reliability.faulty.ReplaceResponseMiddleware"
    apps = [
        djwsgi.wsgi_application(
            [djwsgi.mount("mw-replace", faulty.streaming_ok)],
            middleware=[own] if k % 2 else None,
        )
        for k in range(8)
    ]
    barrier = threading.Barrier(len(apps))
    answers: dict[int, Any] = {}

    def first_request(k: int) -> None:
        barrier.wait(timeout=30)
        answers[k] = serve(apps[k], "/mw-replace/x")

    threads = [threading.Thread(target=first_request, args=(k,)) for k in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for k, served in sorted(answers.items()):
        if k % 2:  # only its own chain: replaced, and no SecurityMiddleware header
            assert served.body == b"replaced by middleware", (k, served)
            assert not served.header("X-Content-Type-Options")
        else:  # the project's chain: the app's body, SecurityMiddleware's header
            assert served.body == b"streamed /mw-replace", (k, served)
            assert served.header("X-Content-Type-Options") == ["nosniff"]
    assert len(answers) == len(apps)
