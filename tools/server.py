"""The one gunicorn launcher of the benchmark and the load test, and small probes of it."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

HOST = "127.0.0.1"  # the tools only ever talk to this machine


def free_port(port: int = 0) -> int:
    """``port`` if nothing listens on it, or any free loopback port for 0."""
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise RuntimeError(f"{HOST}:{port} is in use; choose another port.") from None
        return probe.getsockname()[1]


def port_range(variable: str, default: str) -> range:
    """The ports "first-last" named by the environment ``variable`` (or ``default``)."""
    first, last = os.environ.get(variable, default).split("-")
    return range(int(first), int(last) + 1)


def free_port_in(ports) -> int:
    """The first of ``ports`` that nothing listens on (tests keep to their own port ranges)."""
    for port in ports:
        try:
            return free_port(port)
        except RuntimeError:
            continue
    raise RuntimeError(f"no free port in {ports}")


def get(port: int, path: str, timeout: float = 120) -> int:
    """One GET (not load: a probe); the status code."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": HOST})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@contextmanager
def gunicorn(
    *, port: int, workers: int, log: Path, timeout: int = 120, env: dict | None = None
) -> Iterator[int]:
    """Serve the product under gunicorn for the duration of the block; yield the master's pid.

    The server runs ``config.settings`` (the product, without the ``tools`` app) with DEBUG off.
    It is started in its own session so that a Ctrl-C reaches this process (which then stops
    the server) and the whole process group can be signalled at once; it is stopped whatever
    happens in the block.
    """
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": HOST,
        # Plain HTTP on loopback: production's HTTPS redirect would answer every request 301.
        "SECURE_SSL_REDIRECT": "0",
        # All clients share one address: the anonymous API throttle would answer 429s, which
        # measures the throttle, not the site.
        "API_ANON_RATE": "1000000/min",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--workers={workers}",
        f"--bind={HOST}:{port}",
        # The full CSV export of 100,000 incidents must not be cut off by the default 30 s.
        f"--timeout={timeout}",
    ]
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=environment,
        )
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        _wait_until_up(port, process, log)
        yield process.pid
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_until_up(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:  # it exited: whatever answers on the port is not ours
            raise RuntimeError(f"gunicorn exited at start-up; see {log}.")
        try:
            if get(port, "/health/", timeout=5) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /health/ within {timeout:.0f} s; see {log}.")


def worker_pids(master: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.MULTILINE):
            pids.append(int(status.parent.name))
    return sorted(pids)


def peak_rss_kb(pids: list[int]) -> int:
    """The largest peak resident set (VmHWM) among ``pids``, in kB."""
    peaks = [0]
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
        if match:
            peaks.append(int(match.group(1)))
    return max(peaks)
