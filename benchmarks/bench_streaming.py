"""Streaming through ``mount``: MB/s and server memory growth for a large download and a
large upload, ``mount("stream", stream_app)`` in a Django site against ``stream_app``
served bare, both under waitress on 127.0.0.1.

    python benchmarks/bench_streaming.py -o streaming.json   # 1 GiB down, 256 MiB up

The two servers run side by side and are measured in alternation; throughput is the
median over the rounds, memory growth the largest peak-minus-start RSS seen.
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
_READ = bytearray(MiB)
_SEND = b"y" * MiB

#: name → (server argv, path prefix of stream_app)
SERVERS = {
    "bare": (waitress("bench_site:stream_app"), ""),
    "mount": (waitress("bench_site:django_site", call=True), "/stream"),
}


def download(port: int, path: str, size: int) -> float:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        t0 = time.perf_counter()
        conn.request("GET", f"{path}/download?{size}")
        response = conn.getresponse()
        view = memoryview(_READ)
        got = 0
        while n := response.readinto(view):
            got += n
        elapsed = time.perf_counter() - t0
    finally:
        conn.close()
    if response.status != 200 or got != size:
        raise RuntimeError(f"download of {size} bytes: {response.status}, got {got}")
    return elapsed


def upload(port: int, path: str, size: int) -> float:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        t0 = time.perf_counter()
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
        elapsed = time.perf_counter() - t0
    finally:
        conn.close()
    if response.status != 200 or body != str(size).encode():
        raise RuntimeError(f"upload of {size} bytes: {response.status} {body[:80]!r}")
    return elapsed


def run(download_bytes: int, upload_bytes: int, rounds: int, log_dir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "download_bytes": download_bytes,
        "upload_bytes": upload_bytes,
        "rounds": rounds,
        "server": "waitress --threads=4",
        "cases": {},
    }
    servers = {name: Server(argv, log_dir) for name, (argv, _) in SERVERS.items()}
    try:
        for server in servers.values():
            server.__enter__()
        samples: dict[str, dict[str, list[float]]] = {
            name: {"download_s": [], "upload_s": [], "download_rss": [], "upload_rss": []}
            for name in servers
        }
        for name, server in servers.items():  # warm up: imports, first buffers
            prefix = SERVERS[name][1]
            download(server.port, prefix, 4 * MiB)
            upload(server.port, prefix, 4 * MiB)
        for _ in range(rounds):
            for name, server in servers.items():
                prefix = SERVERS[name][1]
                with PeakRSS(server) as rss:
                    samples[name]["download_s"].append(
                        download(server.port, prefix, download_bytes)
                    )
                samples[name]["download_rss"].append(rss.growth)
                with PeakRSS(server) as rss:
                    samples[name]["upload_s"].append(upload(server.port, prefix, upload_bytes))
                samples[name]["upload_rss"].append(rss.growth)
    finally:
        for server in servers.values():
            server.stop()
    for name, sample in samples.items():
        results["cases"][name] = {
            "download_MBps": download_bytes / median(sample["download_s"]) / 1e6,
            "upload_MBps": upload_bytes / median(sample["upload_s"]) / 1e6,
            "download_rss_growth_MiB": max(sample["download_rss"]) / MiB,
            "upload_rss_growth_MiB": max(sample["upload_rss"]) / MiB,
            "samples": sample,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--download-mib", type=int, default=1024)
    parser.add_argument("--upload-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
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
            f"{name:6} download {case['download_MBps']:8.1f} MB/s  "
            f"(RSS +{case['download_rss_growth_MiB']:.1f} MiB)   "
            f"upload {case['upload_MBps']:8.1f} MB/s  "
            f"(RSS +{case['upload_rss_growth_MiB']:.1f} MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
