"""Streaming through a mounted app under a real waitress: big downloads and uploads in
bounded memory, and the app's iterable closed exactly once, also when the client goes
away mid-download.

The server is a subprocess (``tests/apps/stream_site.py``), so its memory is measured
alone (``/proc/PID/status``) and its close counts are read from its ``/stats/`` view.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import LiveServer

pytestmark = [pytest.mark.live, pytest.mark.slow]

MiB = 1024 * 1024
RSS_BUDGET_KIB = 32 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # waitress buffers up to --outbuf-high-watermark (16 MiB by default) of a response
    # before it makes the app wait for the client; 4 MiB keeps that out of what is measured
    # here, the memory djwsgi and Django hold (measured: ~2 MiB for 256 MiB).
    argv = [
        sys.executable,
        "-m",
        "waitress",
        "--listen=127.0.0.1:{port}",
        "--threads=2",
        "--outbuf-high-watermark=4194304",
        "tests.apps.stream_site:application",
    ]
    with LiveServer(argv, tmp_path_factory.mktemp("stream"), ready_path="/stats/") as live:
        _download(live, 1)  # warm up: everything imported, buffers allocated once
        yield live


def _connection(server: LiveServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)


def _stats(server: LiveServer) -> dict[str, int]:
    conn = _connection(server)
    try:
        conn.request("GET", "/stats/")
        return json.loads(conn.getresponse().read())  # type: ignore[no-any-return]
    finally:
        conn.close()


def _download(server: LiveServer, mib: int, *, watch: list[int] | None = None) -> int:
    """GET *mib* MiB, reading 64 KiB at a time and discarding; returns the byte count."""
    conn = _connection(server)
    try:
        conn.request("GET", f"/download/?mib={mib}")
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Length") == str(mib * MiB)
        total = 0
        while chunk := response.read(64 * 1024):
            total += len(chunk)
            if watch is not None and total % (8 * MiB) == 0:
                watch.append(server.rss_kib())
        return total
    finally:
        conn.close()


def _wait_for(server: LiveServer, key: str, value: int, timeout: float = 30) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        stats = _stats(server)
        if stats[key] >= value or time.monotonic() > deadline:
            return stats
        time.sleep(0.05)


def test_256_mib_download_in_bounded_memory_closed_once(server: LiveServer) -> None:
    before = _stats(server)
    baseline = server.rss_kib()
    samples: list[int] = []
    assert _download(server, 256, watch=samples) == 256 * MiB
    growth = max(samples) - baseline
    assert growth < RSS_BUDGET_KIB, f"server RSS grew by {growth} KiB"
    after = _wait_for(server, "download_closes", before["download_closes"] + 1)
    assert after["download_closes"] == before["download_closes"] + 1
    assert after["download_started"] == before["download_started"] + 1


def test_64_mib_upload_hashed_while_read(server: LiveServer) -> None:
    block = bytes(range(256)) * 256  # 64 KiB
    count = 64 * MiB // len(block)
    expected = hashlib.sha256(block * count).hexdigest()
    baseline = server.rss_kib()
    samples: list[int] = []

    def body() -> Iterator[bytes]:
        for i in range(count):
            if i % 128 == 0:
                samples.append(server.rss_kib())
            yield block

    conn = _connection(server)
    try:
        conn.request(
            "POST",
            "/upload/",
            body=body(),
            headers={"Content-Length": str(64 * MiB), "Content-Type": "application/x-data"},
        )
        response = conn.getresponse()
        answer = response.read().decode()
    finally:
        conn.close()
    samples.append(server.rss_kib())
    assert response.status == 200, answer
    assert answer == expected
    growth = max(samples) - baseline
    assert growth < RSS_BUDGET_KIB, f"server RSS grew by {growth} KiB"


def test_client_dropping_mid_download_closes_once(server: LiveServer) -> None:
    before = _stats(server)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall(b"GET /download/?mib=4096 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = 0
        while received < 2 * MiB:
            data = sock.recv(64 * 1024)
            assert data
            received += len(data)
    finally:
        sock.close()
    after = _wait_for(server, "download_closes", before["download_closes"] + 1)
    assert after["download_closes"] == before["download_closes"] + 1
    served = after["chunks_served"] - before["chunks_served"]
    assert served < 4096 * 16  # it stopped long before the end
    time.sleep(0.3)
    assert _stats(server)["download_closes"] == before["download_closes"] + 1
    assert "Traceback" not in Path(server.log_path).read_text(errors="replace")
