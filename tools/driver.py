"""Runs ``tools/locustfile.py`` headless in its own process and reads back every request.

Locust runs apart from Django because it monkey-patches the standard library with gevent at
import; the benchmark's in-process query counts and the load test's PostgreSQL restart stay in
the Django process.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools.server import HOST

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it; times are seconds since the epoch."""

    url: str
    start: float
    end: float
    status: int  # 0 when no response came back
    error: str = ""
    cache: str = ""  # the X-Page-Cache header: "hit", "miss" or "" (not a cached page)

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


class LocustRun:
    """``locust --headless`` against ``HOST:port``; ``wait()`` returns its samples.

    Started on creation so the caller can act while it runs (the load test restarts
    PostgreSQL in the middle).
    """

    def __init__(
        self,
        *,
        port: int,
        urls: list[str],
        users: int,
        seconds: float,
        max_requests: int | None = None,
        warmup: int = 0,
        stride: int = 1,
    ):
        if importlib.util.find_spec("locust") is None:
            raise RuntimeError(
                "Locust is not installed: `pip install '.[bench]'` (the Make targets do)."
            )
        self.workdir = Path(tempfile.mkdtemp(prefix="tools-locust-"))
        self.samples_file = self.workdir / "samples.jsonl"
        self.log = self.workdir / "locust.log"
        urls_file = self.workdir / "urls.json"
        urls_file.write_text(json.dumps(urls))
        environment = {
            **os.environ,
            "TOOLS_URLS_FILE": str(urls_file),
            "TOOLS_SAMPLES": str(self.samples_file),
            "TOOLS_WARMUP": str(warmup),
            "TOOLS_SECONDS": str(seconds),
            "TOOLS_MAX_REQUESTS": str(max_requests or 0),
            "TOOLS_STRIDE": str(stride),
        }
        command = [
            sys.executable,
            "-m",
            "locust",
            "--locustfile",
            str(LOCUSTFILE),
            "--headless",
            f"--host=http://{HOST}:{port}",
            f"--users={users}",
            # All users at once: a ramp would measure fewer clients than stated.
            f"--spawn-rate={users}",
            # A safety net only: the locustfile stops `seconds` after the warm-up.
            f"--run-time={round(seconds) + 120}s",
            "--only-summary",
            "--loglevel=WARNING",
            # Error responses are what the reports count; they are not a failed run.
            "--exit-code-on-error=0",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )

    def wait(self, timeout: float = 600) -> list[Sample]:
        code = self.process.wait(timeout=timeout)
        if code != 0 or not self.samples_file.exists():
            raise RuntimeError(f"Locust failed (exit {code}); see {self.log}.")
        samples = []
        with self.samples_file.open() as lines:
            for line in lines:
                url, start, ms, status, error, *cache = json.loads(line)
                samples.append(Sample(url, start, start + ms / 1000, status, error, "".join(cache)))
        return samples
