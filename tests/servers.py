"""Real servers for the tests: started on a free 127.0.0.1 port, polled until they answer
(with a deadline), logged to a file, and always stopped.

::

    argv = [sys.executable, "-m", "waitress", "--listen=127.0.0.1:{port}", "app:application"]
    with LiveServer(argv, tmp_path) as server:
        body = urllib.request.urlopen(server.url + "/").read()
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def gunicorn(*args: str) -> list[str]:
    """The ``gunicorn`` command line with *args*, without the control socket that newer
    gunicorn opens at one fixed path in $HOME (tests run beside other gunicorns)."""
    import gunicorn.config

    known = {setting.name for setting in gunicorn.config.KNOWN_SETTINGS}
    quiet = ["--no-control-socket"] if "control_socket_disable" in known else []
    return [str(BIN / "gunicorn"), *quiet, *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """A server process for one test. ``{port}`` in *argv* is replaced by a free port."""

    def __init__(
        self,
        argv: Sequence[str],
        log_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
        ready_path: str = "/",
        timeout: float = 30.0,
    ) -> None:
        self.port = free_port()
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"server-{self.port}.log"
        self.env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        self.cwd = cwd or REPO
        self.ready_path = ready_path
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LiveServer:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            self.argv, stdout=self._log, stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server {self.argv} exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                urllib.request.urlopen(self.url + self.ready_path, timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # it answered, if with an error status
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server {self.argv} not ready after {self.timeout}s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def rss_kib(self) -> int:
        """Resident memory of the server process (Linux), in KiB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")
