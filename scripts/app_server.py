"""`streamlit run app.py` on a free localhost port over a data directory, for the browser tests and benchmarks."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEALTHY_WITHIN_S = 120


class AppNotHealthy(RuntimeError):
    """The server did not answer its health check in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(data_dir: Path, *, env: dict[str, str] | None = None, address: str | None = "127.0.0.1",
          log: Path | None = None) -> Iterator[tuple[str, int]]:
    """Yields (base URL, server pid) once the app is healthy; stops it after. address=None leaves the address to
    .streamlit/config.toml (what a user gets); the server's output goes to `log` when given."""
    port = free_port()
    flags = ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"]
    if address:
        flags += ["--server.address", address]
    sink = log.open("wb") if log else subprocess.DEVNULL
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), *flags], cwd=ROOT,
                              env={**os.environ, **(env or {}), "EARNINGS_DATA_DIR": str(data_dir)},
                              stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, data_dir)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
        if log:
            sink.close()


def _wait_healthy(url: str, data_dir: Path) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN_S
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.25)
    raise AppNotHealthy(f"the app over {data_dir} did not become healthy in {HEALTHY_WITHIN_S} s")
