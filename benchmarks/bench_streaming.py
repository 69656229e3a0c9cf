"""Streaming through ``mount``: MB/s and server memory growth for a large download and a
large upload, ``mount("stream", stream_app)`` in a Django site against ``stream_app``
served bare, both under waitress on 127.0.0.1.

    python benchmarks/bench_streaming.py -o streaming.json   # 1 GiB down, 256 MiB up

Both servers run for the whole benchmark. Each round transfers the same bytes to one and
then the other (the order alternates): MB/s is the median over the rounds, the mount/bare
ratio the median of each round's ratio (two transfers seconds apart see about the same
machine), memory growth the largest peak-minus-start RSS of the server process, and CPU the
server process's user+system seconds per GiB, which machine load does not inflate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import HOST, PeakRSS, Server, median, waitress  # noqa: E402

MiB = 1024 * 1024
_SEND = b"y" * MiB

#: name → (server argv, path prefix of stream_app)
SERVERS = {
    "bare": (waitress("bench_site:stream_app"), ""),
    "mount": (waitress("bench_site:django_site", call=True), "/stream"),
}


def _download(conn: http.client.HTTPConnection, path: str, size: int) -> int:
    conn.request("GET", f"{path}/download?{size}")
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"download of {size} bytes: {response.status}")
    view = memoryview(bytearray(MiB))
    got = 0
    while n := response.readinto(view):
        got += n
    if got != size:
        raise RuntimeError(f"download of {size} bytes: got {got}")
    return got


def _upload(conn: http.client.HTTPConnection, path: str, size: int) -> int:
    conn.putrequest("POST", f"{path}/upload")
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    left = size
    while left:
        piece = _SEND if left >= MiB else _SEND[:left]
        conn.send(piece)
        left -= len(piece)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200 or body != str(size).encode():
        raise RuntimeError(f"upload of {size} bytes: {response.status} {body[:80]!r}")
    return size


def transfer(port: int, path: str, way: str, size: int) -> float:
    """One download or upload of *size* bytes; returns the seconds it took."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        t0 = time.perf_counter()
        (_download if way == "download" else _upload)(conn, path, size)
        return time.perf_counter() - t0
    finally:
        conn.close()


def run(download_bytes: int, upload_bytes: int, rounds: int, log_dir: Path) -> dict[str, Any]:
    sizes = {"download": download_bytes, "upload": upload_bytes}
    servers = {name: Server(argv, log_dir) for name, (argv, _) in SERVERS.items()}
    seconds: dict[str, dict[str, list[float]]] = {n: {w: [] for w in sizes} for n in servers}
    cpu: dict[str, dict[str, list[float]]] = {n: {w: [] for w in sizes} for n in servers}
    growth: dict[str, dict[str, list[int]]] = {n: {w: [] for w in sizes} for n in servers}
    ratios: dict[str, list[float]] = {way: [] for way in sizes}
    try:
        for server in servers.values():
            server.__enter__()
        for name, server in servers.items():  # warm up: imports, first buffers
            for way in sizes:
                transfer(server.port, SERVERS[name][1], way, 4 * MiB)
        for i in range(rounds):
            for way, size in sizes.items():
                order = list(servers) if i % 2 == 0 else list(servers)[::-1]
                for name in order:
                    server = servers[name]
                    cpu_before = server.cpu_seconds()
                    with PeakRSS(server) as rss:
                        took = transfer(server.port, SERVERS[name][1], way, size)
                    cpu[name][way].append(server.cpu_seconds() - cpu_before)
                    seconds[name][way].append(took)
                    growth[name][way].append(rss.growth)
                # mount's throughput over bare's, from two transfers one right after the other
                ratios[way].append(seconds["bare"][way][-1] / seconds["mount"][way][-1])
    finally:
        for server in servers.values():
            server.stop()
    results: dict[str, Any] = {
        "download_bytes": download_bytes,
        "upload_bytes": upload_bytes,
        "rounds": rounds,
        "server": "waitress --threads=4",
        "cases": {},
        "ratios": {},
    }
    for name in servers:
        case = results["cases"][name] = {}
        for way, size in sizes.items():
            case[f"{way}_MBps"] = size / median(seconds[name][way]) / 1e6
            case[f"{way}_cpu_s_per_GiB"] = median(cpu[name][way]) * (1024 * MiB) / size
            case[f"{way}_rss_growth_MiB"] = max(growth[name][way]) / MiB
            case[f"{way}_seconds"] = seconds[name][way]
    for way, values in ratios.items():
        results["ratios"][f"{way}_throughput"] = median(values)
        results["ratios"][f"{way}_throughput_rounds"] = values
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--download-mib", type=int, default=1024)
    parser.add_argument("--upload-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = run(
            args.download_mib * MiB, args.upload_mib * MiB, args.rounds, args.log_dir or Path(tmp)
        )
    args.output.write_text(json.dumps(results, indent=2))
    for name, case in results["cases"].items():
        print(
            f"{name:6} download {case['download_MBps']:8.1f} MB/s "
            f"(RSS +{case['download_rss_growth_MiB']:.1f} MiB)  "
            f"upload {case['upload_MBps']:8.1f} MB/s (RSS +{case['upload_rss_growth_MiB']:.1f} MiB)"
        )
    ratios = results["ratios"]
    print(
        f"mount / bare throughput: download {ratios['download_throughput']:.3f}x, "
        f"upload {ratios['upload_throughput']:.3f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
