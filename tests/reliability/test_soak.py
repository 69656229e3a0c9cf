"""A bounded soak under waitress: 8 client threads on keep-alive connections, 20,000
requests after a warm-up, over two mounts of one Django URLconf, a mounted Flask app and
a streaming foreign app. Zero errors, zero cross-talk, every close() once, and the server's
memory, file descriptors and threads flat."""

from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from .live import running, stats, waitress_argv

CLIENTS = 8
WARMUP = 2_000
REQUESTS = 20_000
TARGETS = [
    ("/one/who/", b'"reverse": "/one/who/", "script_prefix": "/one/", "urlconf": "inner"'),
    ("/two/who/", b'"reverse": "/two/who/", "script_prefix": "/two/", "urlconf": "inner"'),
    ("/one/lazy/", b"lazy /one/ /one/lazy/"),
    ("/two/lazy/", b"lazy /two/ /two/lazy/"),
    ("/flask/", b"flask at /flask/"),
    ("/stream/?chunks=8&size=512", b"x" * 4096),
]


def _proc(pid: int) -> dict[str, int]:
    rss = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return {
        "rss_kib": rss,
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": len(os.listdir(f"/proc/{pid}/task")),
    }


COUNTED = ("/flask/", "/stream/")  # mounts whose iterables the server counts


def _client(port: int, n: int, offset: int, errors: list[str], counted: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for i in range(n):
            target, expected = TARGETS[(i + offset) % len(TARGETS)]
            counted.append(target.startswith(COUNTED))
            try:
                conn.request("GET", target, headers={"Host": f"127.0.0.1:{port}"})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{target}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if response.status != 200:
                errors.append(f"{target}: {response.status} {body[:200]!r}")
            elif expected not in body if target.endswith("/who/") else body != expected:
                errors.append(f"{target}: cross-talk or wrong body {body[:200]!r}")
    finally:
        conn.close()


def _run(port: int, total: int, counted: list[int]) -> list[str]:
    errors: list[str] = []
    threads = [
        threading.Thread(target=_client, args=(port, total // CLIENTS, k, errors, counted))
        for k in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client hung"
    return errors


@pytest.mark.slow
@pytest.mark.live
def test_soak_under_waitress(tmp_path: Path) -> None:
    argv = waitress_argv("tests.reliability.server_app:soak_application", threads=8)
    # Enough connections for all clients without the server refusing keep-alive.
    argv.insert(-1, "--connection-limit=64")
    with running(argv, tmp_path) as server:
        assert server.process is not None
        pid = server.process.pid
        counted: list[int] = []
        errors = _run(server.port, WARMUP, counted)
        assert errors == []
        time.sleep(0.2)
        before = _proc(pid)
        started = time.monotonic()
        errors = _run(server.port, REQUESTS, counted)
        elapsed = time.monotonic() - started
        time.sleep(0.2)
        after = _proc(pid)
        final = stats(server)
        report = {
            "requests": WARMUP + REQUESTS,
            "errors": len(errors),
            "seconds": round(elapsed, 1),
            "rps": round(REQUESTS / elapsed),
            "rss_kib": (before["rss_kib"], after["rss_kib"]),
            "fds": (before["fds"], after["fds"]),
            "threads": (before["threads"], after["threads"]),
            "opened": final["opened"],
            "closed": final["closed"],
            "closed_twice": final["closed_twice"],
            "leaks": len(final["leaks"]),
        }
        print("soak:", json.dumps(report), file=sys.stderr)
        assert errors == [], errors[:5]
        # Every Flask and stream response was opened, and each closed once.
        assert final["opened"] == sum(counted) > 0, final
        assert final["closed"] == final["opened"] and final["closed_twice"] == 0, final
        assert final["leaks"] == []
        assert after["rss_kib"] - before["rss_kib"] < 10 * 1024, report
        assert after["fds"] <= before["fds"], report
        assert after["threads"] <= before["threads"], report
        assert elapsed < 60, report
