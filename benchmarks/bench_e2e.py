"""End to end: requests/s and p50/p99 latency through a real server on 127.0.0.1.

    python benchmarks/bench_e2e.py -o e2e.json

Servers: waitress (``--threads=4``) and gunicorn (2 sync workers). Cases, each answering
:data:`bench_site.BODY`: plain Django (``get_wsgi_application()``), the same URLconf as
``wsgi_application(urlconf)`` inside the ``pipeline.ini`` urlmap, and a Flask app mounted in
the Django site with ``mount``. The load client is Python: *threads* keep-alive
``http.client`` connections, a fixed number of requests per round and a time limit. The
cases take turns, round after round (the order alternates); requests/s is the median over
the rounds, a case's ratio to plain Django the median of the rounds' ratios (cases run
seconds apart see about the same machine), and the server's CPU time per request (its
process and workers, user+system) shows the cost that the machine's load does not inflate.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

from _harness import Server, gunicorn, load, median, percentile, waitress  # noqa: E402

#: server name → (app name → argv)
SERVERS = {
    "waitress": {
        "site": waitress("bench_site:django_site", call=True),
        "pipeline": waitress("bench_site:pipeline", call=True),
    },
    "gunicorn": {
        "site": gunicorn("bench_site:django_site()"),
        "pipeline": gunicorn("bench_site:pipeline()"),
    },
}
#: case → (app name, path, label)
CASES = {
    "django": ("site", "/hello", "plain Django (get_wsgi_application)"),
    "pipeline": ("pipeline", "/django/hello", "pipeline.ini urlmap → wsgi_application(urlconf)"),
    "flask-mount": ("site", "/flask/hello", "Flask mounted in Django (mount)"),
}


def run(
    requests: int, rounds: int, threads: int, time_limit: float, log_dir: Path
) -> dict[str, Any]:
    import bench_site

    results: dict[str, Any] = {
        "requests_per_round": requests,
        "rounds": rounds,
        "client_threads": threads,
        "servers": {},
    }
    for server_name, apps in SERVERS.items():
        servers = {name: Server(argv, log_dir, ready_path="/") for name, argv in apps.items()}
        latencies: dict[str, list[float]] = {case: [] for case in CASES}
        rps: dict[str, list[float]] = {case: [] for case in CASES}
        cpu_us: dict[str, list[float]] = {case: [] for case in CASES}
        try:
            for server in servers.values():
                server.__enter__()
            for app, path, _ in CASES.values():  # warm up every worker and thread
                load(
                    servers[app].port,
                    path,
                    requests=max(20, requests // 10),
                    threads=threads,
                    time_limit=time_limit,
                    expect=bench_site.BODY,
                )
            for i in range(rounds):
                order = list(CASES) if i % 2 == 0 else list(CASES)[::-1]
                for case in order:
                    app, path, _ = CASES[case]
                    cpu_before = servers[app].cpu_seconds()
                    answer = load(
                        servers[app].port,
                        path,
                        requests=requests,
                        threads=threads,
                        time_limit=time_limit,
                        expect=bench_site.BODY,
                    )
                    cpu = servers[app].cpu_seconds() - cpu_before
                    cpu_us[case].append(cpu / answer["requests"] * 1e6)
                    rps[case].append(answer["rps"])
                    latencies[case].extend(answer["latencies"])
        finally:
            for server in servers.values():
                server.stop()
        results["servers"][server_name] = {
            case: {
                "label": CASES[case][2],
                "rps": median(rps[case]),
                "rps_rounds": rps[case],
                # requests/s over plain Django's in the same round, the median of the rounds
                "ratio": median([a / b for a, b in zip(rps[case], rps["django"], strict=True)]),
                "server_cpu_us": median(cpu_us[case]),
                "p50_ms": percentile(sorted(latencies[case]), 0.50) * 1000,
                "p99_ms": percentile(sorted(latencies[case]), 0.99) * 1000,
                "requests": len(latencies[case]),
            }
            for case in CASES
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="per case and round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--threads", type=int, default=4, help="client connections")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per round")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = run(
            args.requests, args.rounds, args.threads, args.time_limit, args.log_dir or Path(tmp)
        )
    args.output.write_text(json.dumps(results, indent=2))
    for server, cases in results["servers"].items():
        for case, r in cases.items():
            print(
                f"{server:8} {case:12} {r['rps']:8.0f} req/s ({r['ratio']:.3f}x)  "
                f"server CPU {r['server_cpu_us']:6.0f} us/req  p50 {r['p50_ms']:6.2f} ms  "
                f"p99 {r['p99_ms']:6.2f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
