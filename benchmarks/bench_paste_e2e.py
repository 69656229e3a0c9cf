"""End to end: the demo's Django URLconf through paste.ini.sample's urlmap vs the same URLconf
as a plain Django project, both under waitress, both as subprocess servers on 127.0.0.1.

    .venv/bin/python benchmarks/bench_paste_e2e.py [--rounds 5] [--requests 2000] [--threads 2]
    .venv/bin/python benchmarks/bench_paste_e2e.py --in-process     # the same apps, no server

The paste side serves ``/django/`` (Paste's urlmap → ``egg:djwsgi#urlconf`` → demo.urls);
the plain side serves ``/`` of ``get_wsgi_application()`` with ``demo.settings`` (same
ROOT_URLCONF, same MIDDLEWARE, same view). A bounded keep-alive client (one
``http.client`` connection per thread, a fixed number of requests each) measures
requests/s; rounds alternate between the two servers and the median round counts.
Prints both rates and the ratio paste/plain (target: at least 0.95), and, because wall-clock
rates swing on a shared machine, the server process's CPU time per request (Linux /proc),
which other load disturbs far less.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "paste.ini.sample"
WAITRESS_THREADS = 4

PASTE_SERVER = f"""
import sys, waitress
from paste.deploy import loadapp
app = loadapp("config:" + sys.argv[1])
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads={WAITRESS_THREADS})
"""

PLAIN_SERVER = f"""
import sys, waitress
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads={WAITRESS_THREADS})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_once(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start(code: str, env: dict[str, str], path: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(SAMPLE), str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {code}")
        try:
            if get_once(port, path) == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError(f"server not ready after 60 s: {code}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process *pid* (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(port: int, path: str, requests: int, threads: int) -> float:
    """Requests/s of *threads* keep-alive connections making *requests* requests in all."""
    per_thread = requests // threads
    errors: list[str] = []
    barrier = threading.Barrier(threads + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        barrier.wait()
        try:
            for _ in range(per_thread):
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(str(response.status))
        finally:
            connection.close()

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join(timeout=300)
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests: {errors[:3]}")
    return per_thread * threads / elapsed


def in_process(rounds: int, requests: int) -> None:
    """No server, no client: CPU per request of the urlmap, of the djwsgi app it routes to,
    and of Django's own handler, called directly in this process (same settings)."""
    import io

    os.environ.setdefault("DJWSGI_DEMO_DB", str(Path(tempfile.mkdtemp()) / "demo.sqlite3"))
    sys.path[:0] = [str(REPO / "examples"), str(REPO / "src")]
    from django.core.wsgi import get_wsgi_application
    from paste.deploy import loadapp

    cases = {
        "paste urlmap /django/": (loadapp(f"config:{SAMPLE}"), "", "/django/"),
        "egg:djwsgi#urlconf alone": (loadapp(f"config:{SAMPLE}#django"), "/django", "/"),
        "plain get_wsgi_application": (get_wsgi_application(), "", "/"),
    }

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> None:
        pass

    best = {name: float("inf") for name in cases}
    for _ in range(rounds):
        for name, (app, script_name, path) in cases.items():
            began = time.process_time()
            for _ in range(requests):
                environ = {
                    "REQUEST_METHOD": "GET",
                    "SCRIPT_NAME": script_name,
                    "PATH_INFO": path,
                    "QUERY_STRING": "",
                    "SERVER_NAME": "127.0.0.1",
                    "SERVER_PORT": "80",
                    "HTTP_HOST": "127.0.0.1",
                    "SERVER_PROTOCOL": "HTTP/1.1",
                    "wsgi.url_scheme": "http",
                    "wsgi.input": io.BytesIO(),
                    "wsgi.errors": sys.stderr,
                    "wsgi.version": (1, 0),
                    "wsgi.multithread": True,
                    "wsgi.multiprocess": False,
                    "wsgi.run_once": False,
                }
                body = app(environ, start_response)
                b"".join(body)
                body.close()
            best[name] = min(best[name], (time.process_time() - began) / requests)
    plain = best["plain get_wsgi_application"]
    for name, seconds in best.items():
        print(f"{name:28}: {seconds * 1e6:6.0f} us/request  ratio plain/this {plain / seconds:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--in-process", action="store_true", help="no servers: WSGI calls")
    args = parser.parse_args()
    if args.in_process:
        in_process(args.rounds, args.requests)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO / "examples"), str(REPO / "src")]),
            "DJWSGI_DEMO_DB": str(Path(tmp) / "demo.sqlite3"),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        servers = []
        try:
            paste, paste_port = start(PASTE_SERVER, env, "/django/")
            servers.append(paste)
            plain_env = {**env, "DJANGO_SETTINGS_MODULE": "demo.settings"}
            plain, plain_port = start(PLAIN_SERVER, plain_env, "/")
            servers.append(plain)
            sides = {"paste": (paste_port, "/django/"), "plain": (plain_port, "/")}
            for port, path in sides.values():  # warm up
                drive(port, path, min(args.requests, 500), args.threads)
            pids = {"paste": paste.pid, "plain": plain.pid}
            rates: dict[str, list[float]] = {name: [] for name in sides}
            cpu: dict[str, list[float]] = {name: [] for name in sides}
            for _ in range(args.rounds):
                for name, (port, path) in sides.items():
                    before = cpu_seconds(pids[name])
                    rates[name].append(drive(port, path, args.requests, args.threads))
                    used = cpu_seconds(pids[name]) - before
                    cpu[name].append(used / (args.requests // args.threads * args.threads))
        finally:
            for process in servers:
                process.terminate()
                process.wait(timeout=10)
    paste_rate = statistics.median(rates["paste"])
    plain_rate = statistics.median(rates["plain"])
    print(f"rounds={args.rounds} requests/round={args.requests} client threads={args.threads}")
    print(f"paste urlmap -> egg:djwsgi#urlconf  /django/ : {paste_rate:8.0f} req/s (median)")
    print(f"plain Django get_wsgi_application   /        : {plain_rate:8.0f} req/s (median)")
    print("rounds paste:", " ".join(f"{r:.0f}" for r in rates["paste"]))
    print("rounds plain:", " ".join(f"{r:.0f}" for r in rates["plain"]))
    print(f"ratio paste/plain: {paste_rate / plain_rate:.3f} (target >= 0.95)")
    paste_cpu = statistics.median(cpu["paste"]) * 1e6
    plain_cpu = statistics.median(cpu["plain"]) * 1e6
    print(f"server CPU per request: paste {paste_cpu:.0f} us, plain {plain_cpu:.0f} us (median)")
    print("rounds paste:", " ".join(f"{c * 1e6:.0f}" for c in cpu["paste"]), "us")
    print("rounds plain:", " ".join(f"{c * 1e6:.0f}" for c in cpu["plain"]), "us")
    print(f"throughput ratio by server CPU (plain/paste): {plain_cpu / paste_cpu:.3f} (median)")
    best = min(cpu["plain"]) / min(cpu["paste"])
    print(f"throughput ratio by server CPU (plain/paste): {best:.3f} (least disturbed rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
