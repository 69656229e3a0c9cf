"""``benchmarks/run.py --smoke``: the whole benchmark suite runs (servers included) and
writes its results where it is told, without touching the repository. No timing is
asserted: the numbers of a smoke run mean nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "benchmarks"


def _snapshot() -> dict[str, bytes]:
    return {
        str(path.relative_to(BENCHMARKS)): path.read_bytes()
        for path in sorted(BENCHMARKS.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.slow
@pytest.mark.live
def test_smoke_run_writes_every_result_to_the_directory_given(tmp_path: Path) -> None:
    # ratios.png needs matplotlib, from the bench extra (make bench's venv), not the test one.
    pytest.importorskip("matplotlib", reason="matplotlib comes with djwsgi[bench]")
    before = _snapshot()
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--smoke", "--results-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert _snapshot() == before  # README, PNG and results/ of the repository untouched

    results = json.loads((out / "results.json").read_text())
    assert results["smoke"] is True
    assert results["targets"] == []  # a smoke run judges nothing
    assert results["machine"]["packages"]["Django"] != "not installed"

    inprocess = results["inprocess"]
    assert {"bare", "django-mw", "view-mw", "mount-mw", "naive-mw", "pyramid", "ini-django"} <= set(
        inprocess["cases"]
    )
    assert all(case["median_us"] > 0 for case in inprocess["cases"].values())
    assert all(comp["ratio"] > 0 for comp in inprocess["comparisons"])

    streaming = results["streaming"]["cases"]
    assert set(streaming) == {"bare", "mount"}
    assert all(case["download_MBps"] > 0 and case["upload_MBps"] > 0 for case in streaming.values())
    assert results["streaming"]["ratios"]["download_throughput"] > 0

    for server in ("waitress", "gunicorn"):
        cases = results["e2e"]["servers"][server]
        assert set(cases) == {"django", "pipeline", "flask-mount"}
        assert all(case["requests"] > 0 and case["rps"] > 0 for case in cases.values())
        assert cases["django"]["ratio"] == 1.0
        assert all(case["server_cpu_us"] >= 0 for case in cases.values())

    assert (out / "ratios.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (out / "results.md").read_text()
    for heading in ("In-process cost per request", "Streaming under", "End to end"):
        assert heading in table
    assert "smoke run: targets not evaluated" in proc.stdout
    assert "PASS" not in proc.stdout and "MISS" not in proc.stdout
