"""The one Locust file: the benchmark's cases and the load test's mixed traffic.

Both are "readers walking a list of pages": the benchmark gives one URL (the case being
measured), the load test the site's mix. Every user starts at its own place in the list and
walks it in order, without pausing, so the mix is the same from run to run.

Run headless by ``tools.driver`` (which reads the samples this writes); by hand:

    TOOLS_URLS='["/health/"]' locust -f tools/locustfile.py --headless -u 8 -t 10s \
        --host http://127.0.0.1:8000

Configured through the environment because Locust owns the command line:

- ``TOOLS_URLS``: JSON list of paths (default ``["/health/"]``), or ``TOOLS_URLS_FILE``: a
  file holding that list;
- ``TOOLS_SAMPLES``: a file to which every request is written, one JSON list per line
  ``[path, start epoch s, duration ms, status (0: no response), error, X-Page-Cache]``; the
  reports compute their own figures from these rather than Locust's, whose percentiles are
  rounded buckets;
- ``TOOLS_WARMUP``: the first N requests are sent but marked ``warmup`` (not measured);
- ``TOOLS_SECONDS``: stop this long after the first measured request (Locust's own
  ``--run-time`` would count the warm-up, which on a cold page can take all of it);
- ``TOOLS_MAX_REQUESTS``: or stop after this many measured requests, whichever comes first;
- ``TOOLS_STRIDE``: user *n* starts at position *n × stride* of the list (default 1).
"""

import itertools
import json
import os
import time

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

if os.environ.get("TOOLS_URLS_FILE"):  # long lists (the mixed run's) do not fit in a variable
    with open(os.environ["TOOLS_URLS_FILE"]) as urls_file:
        URLS: list[str] = json.load(urls_file)
else:
    URLS = json.loads(os.environ.get("TOOLS_URLS", '["/health/"]'))
WARMUP = int(os.environ.get("TOOLS_WARMUP", "0"))
MAX_REQUESTS = int(os.environ.get("TOOLS_MAX_REQUESTS", "0")) or None
SECONDS = float(os.environ.get("TOOLS_SECONDS", "10"))
SAMPLES_FILE = os.environ.get("TOOLS_SAMPLES", "")
# How far apart the users start in the list (the mixed run spreads them over all of it, so one
# user does not read what the previous one has just cached).
STRIDE = int(os.environ.get("TOOLS_STRIDE", "1"))

_sent = itertools.count()  # one process, cooperative greenlets: a plain counter is safe
_samples: list[list] = []
_offsets = itertools.count()
_clock = {"deadline": None, "stopping": False}


class Reader(FastHttpUser):
    # Back to back, no think time: the benchmark measures capacity, the load test saturation.
    wait_time = staticmethod(lambda: 0)

    def on_start(self):
        start = next(_offsets) * STRIDE % len(URLS)
        self.walk = itertools.islice(itertools.cycle(URLS), start, None)

    @task
    def read(self):
        number = next(_sent)
        if number == WARMUP:
            _clock["deadline"] = time.monotonic() + SECONDS
        deadline = _clock["deadline"]
        enough = MAX_REQUESTS is not None and number >= WARMUP + MAX_REQUESTS
        if enough or (deadline is not None and time.monotonic() > deadline):
            # End the whole run (not only this user), once, and send nothing more.
            if not _clock["stopping"]:
                _clock["stopping"] = True
                gevent.spawn(self.environment.runner.quit)
            raise StopUser()
        path = next(self.walk)
        name = "warmup" if number < WARMUP else path
        # Any status is an outcome to record, not a Locust failure to retry or raise.
        with self.client.get(path, name=name, catch_response=True) as response:
            response.success()


@events.request.add_listener
def _record(name, response_time, response=None, exception=None, start_time=None, **kwargs):
    if name == "warmup":
        return
    status = getattr(response, "status_code", 0) or 0
    error = "" if exception is None or status else repr(exception)
    # "hit" or "miss" from the page cache; empty for pages it does not keep.
    headers = getattr(response, "headers", None) or {}
    cache = headers.get("X-Page-Cache", "") or ""
    _samples.append([name, start_time, response_time, status, error, cache])


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    if SAMPLES_FILE:
        with open(SAMPLES_FILE, "w") as out:
            for sample in _samples:
                out.write(json.dumps(sample) + "\n")
