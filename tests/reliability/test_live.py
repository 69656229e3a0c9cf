"""Clients that go away or crawl, under real servers (waitress and gunicorn on 127.0.0.1).

The server process reports on ``/stats/`` how many response iterables it opened and closed
and whether a thread-local urlconf leaked into a later request."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import LiveServer

from .live import get, gunicorn_argv, raw, running, stats, wait_for, waitress_argv

pytestmark = pytest.mark.live

SERVERS = {
    # One thread: the request after the disconnect runs in the thread that saw it.
    "waitress": waitress_argv(threads=1),
    "gunicorn": gunicorn_argv(),
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with running(SERVERS[request.param], tmp_path_factory.mktemp(request.param)) as live:
        yield live


def _assert_state_is_clean(server: LiveServer) -> None:
    """No urlconf leaked; each mount sees its own prefix and urlconf; the server serves."""
    for prefix in ("one", "two", "one"):
        status, _, body = get(server, f"/{prefix}/who/")
        assert status == 200, body
        assert json.loads(body) == {
            "reverse": f"/{prefix}/who/",
            "script_prefix": f"/{prefix}/",
            "urlconf": "inner",
            "path": f"/{prefix}/who/",
        }
    status, _, body = get(server, "/probe/")
    assert json.loads(body) == {"script_prefix": "/", "urlconf": "outer", "path": "/probe/"}
    assert stats(server)["leaks"] == []


@pytest.mark.parametrize("target", ["/stream/", "/one/stream/"], ids=["mount", "nested mount"])
def test_disconnect_mid_download_closes_once(server: LiveServer, target: str) -> None:
    before = stats(server)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(f"GET {target}?chunks=16384 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = 0
        while received < 512 * 1024:  # of 1 GiB
            data = sock.recv(65536)
            assert data, "server closed the connection early"
            received += len(data)
    finally:
        sock.close()
    after = wait_for(server, lambda s: s["closed"] > before["closed"] and s["open"] == 0)
    assert after["opened"] == before["opened"] + 1
    assert after["closed"] == before["closed"] + 1, after
    assert after["open"] == 0 and after["closed_twice"] == 0, after
    _assert_state_is_clean(server)


@pytest.mark.parametrize("target", ["/crash/", "/one/crash/"], ids=["mount", "nested mount"])
def test_app_failing_mid_stream_aborts_the_response_only(server: LiveServer, target: str) -> None:
    before = stats(server)
    received = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        while data := sock.recv(65536):  # until the server closes the connection
            received += data
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == b"first chunk;"  # short of the 100,000 bytes promised: aborted
    after = wait_for(server, lambda s: s["closed"] > before["closed"])
    assert after["opened"] == before["opened"] + 1
    assert after["closed"] == before["closed"] + 1 and after["closed_twice"] == 0, after
    _assert_state_is_clean(server)


def test_server_file_wrapper_from_a_mounted_app_is_closed(server: LiveServer) -> None:
    source = (Path(__file__).parent / "server_app.py").read_bytes()
    get(server, "/file/")  # warm-up: a first response may open lazily imported modules
    before = stats(server)
    for _ in range(25):
        status, _, body = get(server, "/file/")
        assert (status, body) == (200, source)
    after = wait_for(server, lambda s: s["open"] == 0 and s["fds"] <= before["fds"], timeout=5)
    assert after["opened"] - before["opened"] == 25
    assert after["closed"] - before["closed"] == 25 and after["closed_twice"] == 0, after
    # 25 files were opened; a socket the server has yet to close may still count.
    assert after["fds"] <= before["fds"] + 2, (before, after)


def test_disconnect_mid_upload(server: LiveServer) -> None:
    before = stats(server)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(
            b"POST /upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: 8388608\r\n\r\n"
            + b"u"
            * (1024 * 1024)
        )
        time.sleep(0.2)
    finally:
        sock.close()
    # waitress waits for the whole body before it calls the app, so the app never runs;
    # gunicorn calls it at once, and it sees the body end short. Either way: every
    # iterable the app returned closed once, and no upload left half-done.
    after = wait_for(
        server,
        lambda s: s["open"] == 0 and s["uploads"]["started"] == s["uploads"]["finished"],
    )
    assert after["open"] == 0 and after["closed_twice"] == 0, after
    assert after["uploads"]["started"] == after["uploads"]["finished"], after
    # An app that was called saw a short body (the client's bytes), never invented ones.
    assert after["uploads"]["short"] - before["uploads"]["short"] == (
        after["uploads"]["started"] - before["uploads"]["started"]
    )
    assert (
        after["opened"] - before["opened"]
        == after["uploads"]["started"] - before["uploads"]["started"]
    )
    body = b"v" * (3 * 1024 * 1024 + 17)
    status, _, answer = raw(
        server,
        f"POST /upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n",
        body,
        method="POST",
    )
    assert (status, answer) == (200, f"got {len(body)}".encode())
    _assert_state_is_clean(server)


def test_slow_clients_do_not_block_other_requests(tmp_path: Path) -> None:
    with running(waitress_argv(threads=4), tmp_path) as server:
        stop = threading.Event()
        slow: list[socket.socket] = []

        def dribble_headers() -> None:
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            slow.append(sock)
            for byte in b"GET /echo/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200:
                if stop.wait(0.05):
                    return
                sock.sendall(bytes([byte]))

        for _ in range(2):  # two readers that never read a 1 GiB download
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /stream/?chunks=16384 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            slow.append(sock)
        writers = [threading.Thread(target=dribble_headers) for _ in range(3)]
        for thread in writers:
            thread.start()
        try:
            time.sleep(0.5)  # let the slow ones occupy what they can
            started = time.monotonic()
            for i in range(20):
                t0 = time.monotonic()
                status, _, body = get(server, f"/one/who/?i={i}")
                assert status == 200 and b'"/one/who/"' in body
                assert time.monotonic() - t0 < 2.0, "a request waited behind a slow client"
            assert time.monotonic() - started < 10
        finally:
            stop.set()
            for thread in writers:
                thread.join(timeout=10)
            for sock in slow:
                sock.close()
        after = wait_for(server, lambda s: s["open"] == 0)
        assert after["open"] == 0 and after["closed_twice"] == 0 and after["leaks"] == [], after


def test_a_storm_of_disconnects_leaves_nothing_behind(tmp_path: Path) -> None:
    with running(waitress_argv(threads=4), tmp_path) as server:
        get(server, "/one/stream/?chunks=1")  # warm-up
        before = stats(server)

        def disconnect(k: int) -> None:
            target = ("/stream/", "/one/stream/", "/flask/")[k % 3]
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(
                    f"GET {target}?chunks=16384 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
                )
                sock.recv(65536)

        threads = [threading.Thread(target=disconnect, args=(k,)) for k in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        after = wait_for(server, lambda s: s["open"] == 0 and s["opened"] - before["opened"] == 30)
        assert after["opened"] - before["opened"] == 30, after
        assert after["closed"] - before["closed"] == 30 and after["closed_twice"] == 0, after
        assert after["threads"] == before["threads"] and after["leaks"] == [], after
        _assert_state_is_clean(server)
