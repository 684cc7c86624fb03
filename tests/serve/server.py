"""The real `planrisk serve` in a subprocess for the serve tests, and signed requests to it.

Input: a configuration file, a store URL and the test environment. Output: a `Served` process
listening on 127.0.0.1 (a free port), started and waited for (`/healthz`), stopped, killed;
its log; and `call`, an HTTP request that returns (status, body) whatever the status.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """One server process."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(cls, config: Path, store: str, log_path: Path, port: int | None = None) -> Served:
        port = port or free_port()
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        env = {**keep, "PYTHONPATH": str(REPO)}
        log = log_path.open("ab")
        command = [sys.executable, "-m", "planrisk", "serve", "--config", str(config)]
        process = subprocess.Popen(
            [*command, "--store", store, "--port", str(port)],
            stdout=log,
            stderr=log,
            env=env,
            cwd=config.parent,
        )
        log.close()
        served = cls(f"http://127.0.0.1:{port}", process, log_path)
        served.wait_ready()
        return served

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"planrisk serve exited:\n{self.log()}")
            try:
                if call(self.url + "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"planrisk serve did not answer:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup (a crashed replica)."""
        self.process.kill()
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def call(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str = ""
) -> tuple[int, bytes]:
    """One request; (status, body) for any status."""
    request = urllib.request.Request(
        url, data=body, headers=headers or {}, method=method or ("POST" if body else "GET")
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def wait_for(condition: object, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll `condition()` until true."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
