"""What the server benchmarks share: a server process on 127.0.0.1 (started, polled until
it answers, always stopped), its resident memory, and a bounded keep-alive load client."""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

# One server helper for the tests and the benchmarks: tests.servers, from the repository.
sys.path.insert(0, str(REPO))
from tests.servers import LiveServer  # noqa: E402
from tests.servers import gunicorn as gunicorn_command  # noqa: E402


def waitress(target: str, *, threads: int = 4, call: bool = False) -> list[str]:
    argv = [str(BIN / "waitress-serve"), "--listen=127.0.0.1:{port}", f"--threads={threads}"]
    return [*argv, *(["--call"] if call else []), target]


def gunicorn(target: str, *, workers: int = 2) -> list[str]:
    return gunicorn_command(
        "--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
        target,
    )


class Server(LiveServer):
    """A server process serving the benchmark site (``bench_settings``), its log in
    *log_dir*: the test suite's :class:`LiveServer`, plus its memory and CPU time."""

    def __init__(
        self, argv: Sequence[str], log_dir: Path, *, ready_path: str = "/", timeout: float = 60
    ) -> None:
        pythonpath = [str(HERE), str(REPO), os.environ.get("PYTHONPATH", "")]
        env = {
            "PYTHONPATH": os.pathsep.join(pythonpath),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
        }
        super().__init__(argv, log_dir, env=env, cwd=HERE, ready_path=ready_path, timeout=timeout)

    def rss_bytes(self) -> int:
        return self.rss_kib() * 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the server process (all its threads) and of
        its live child processes (gunicorn's workers)."""
        assert self.process is not None
        pid = self.process.pid
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that just exited
                continue
            if stat.parent.name == str(pid) or fields[1] == str(pid):
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


class PeakRSS:
    """Samples a server's resident memory in a thread while the block runs."""

    def __init__(self, server: Server, interval: float = 0.01) -> None:
        self.server = server
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss_bytes())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self.before = self.server.rss_bytes()
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.server.rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.before


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def load(
    port: int,
    path: str,
    *,
    requests: int,
    threads: int,
    time_limit: float,
    expect: bytes,
) -> dict[str, Any]:
    """GET *path* *requests* times (or until *time_limit* seconds) from *threads* threads,
    each on its own keep-alive connection; every answer must be 200 with *expect*."""
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    deadline = start + time_limit

    def worker() -> None:
        nonlocal issued
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        try:
            while True:
                with lock:
                    if issued >= requests:
                        break
                    issued += 1
                t0 = time.perf_counter()
                if t0 > deadline:
                    break
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                mine.append(time.perf_counter() - t0)
                if response.status != 200 or body != expect:
                    errors.append(f"{response.status} {body[:80]!r}")
                    break
        except OSError as exc:
            errors.append(repr(exc))
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"GET {path} on port {port}: {errors[:3]}")
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "latencies": latencies,
    }


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
