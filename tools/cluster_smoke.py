"""The smoke test of `make cluster` (tools/cluster.py): journeys through the load balancer, a
server and a worker killed midway, and the figures docs/deploy.md quotes.

1. A reader's journey (home, list, an incident, the API, a feed), read from the replica (the
   replica's own transaction counter proves it).
2. Evidence uploaded through server a downloads through server b with the same SHA-256 from the
   S3 stand-in — skipped, saying why, while config/settings.py does not honour S3_BUCKET.
3. Sizing: requests per second and latency through the load balancer (cached pages, pages
   built each time, and /health/ for the ratio), and jobs per second of the two workers.
4. The researcher adds a source citing a slow page (its capture becomes a job) and an incident
   with a claim, and submits it for review; while the capture is running one worker and one
   application server are killed (SIGKILL to their process groups); the editor signs in (with
   a second factor) and publishes; a reader reads the publication; the capture finishes on the
   other worker. Readers hammer the load balancer all along and every failed answer is counted.
"""

import hashlib
import json
import random
import re
import statistics
import threading
import time
from pathlib import Path

import psycopg2
import requests
from django_otp.oath import totp

from tests.html_forms import form_data
from tools.cluster import DEMO_PASSWORD, EDITOR_KEY


class Browser:
    """A requests session that sends the Referer Django's CSRF check wants over HTTPS."""

    def __init__(self, base: str, cert: Path) -> None:
        self.base = base
        self.session = requests.Session()
        # Per request: REQUESTS_CA_BUNDLE in the environment would override a session's verify.
        self.verify = str(cert)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, timeout=60, verify=self.verify, **kwargs)

    def post(self, path: str, data, **kwargs) -> requests.Response:
        headers = {"Referer": self.base + path}
        return self.session.post(
            self.base + path,
            data=data,
            headers=headers,
            timeout=120,
            allow_redirects=False,
            verify=self.verify,
            **kwargs,
        )

    def submit(self, path: str, changes: dict, form_id: str | None = None, files=None):
        page = self.get(path, allow_redirects=False)
        assert page.status_code == 200, f"GET {path}: {page.status_code} {page.headers}"
        data = form_data(page.text, form_id)
        data = {name: value for name, value in data.items() if "__prefix__" not in name}
        data.update(changes)
        return self.post(path, data, files=files)


class Smoke:
    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.cert = cluster.cert
        self.report: dict = {}

    def browser(self, port: int | None = None) -> Browser:
        return Browser(f"https://127.0.0.1:{port or self.cluster.ports.lb}", self.cert)

    def sql(self, query: str, *params, replica: bool = False):
        connection = psycopg2.connect(
            dbname=self.cluster.db_name,
            host="127.0.0.1" if replica else self.cluster.db_host,
            port=self.cluster.replica.port if replica else self.cluster.db_port,
            user="postgres",
        )
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def replica_transactions(self) -> int:
        rows = self.sql(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            self.cluster.db_name,
            replica=True,
        )
        return int(rows[0][0])

    def sign_in(self, browser: Browser, username: str) -> None:
        answer = browser.submit(
            "/admin/login/?next=/admin/",
            {"username": username, "password": DEMO_PASSWORD, "next": "/admin/"},
        )
        assert answer.status_code == 302, f"{username}: sign-in: {_errors(answer)}"
        # Editors are then sent to the second-factor page (accounts.middleware).
        check = browser.get("/admin/", allow_redirects=False)
        if check.status_code == 302 and "/account/two-factor/" in check.headers["Location"]:
            # A code is accepted once: a second sign-in in the same 30 s waits for the next one.
            verify = check.headers["Location"]
            for _attempt in range(2):
                code = str(totp(bytes.fromhex(EDITOR_KEY))).zfill(6)
                answer = browser.submit(verify, {"code": code})
                if answer.status_code == 302:
                    break
                time.sleep(30 - time.time() % 30 + 1)
            assert answer.status_code == 302, f"{username}: second factor: {_errors(answer)}"
        check = browser.get("/admin/", allow_redirects=False)
        assert check.status_code == 200, f"{username} not signed in: {check.headers}"

    # --- 1. reader ------------------------------------------------------------------------------
    def reader_journey(self) -> None:
        self.cluster.log("reader journey")
        # Pages rebuilt after the demo load would still be pinned to the primary for a while.
        time.sleep(2)
        before = self.replica_transactions()
        reader = self.browser()
        home = reader.get("/en/")
        assert home.status_code == 200
        listing = reader.get("/en/incidents/")
        assert listing.status_code == 200
        slugs = sorted(set(_incident_slugs(listing.text)))
        assert slugs, "the list shows no incident"
        self.incident_paths = [f"/en/incidents/{slug}/" for slug in slugs]
        for path in [*self.incident_paths, "/api/v1/incidents/", "/feeds/incidents.atom"]:
            assert reader.get(path).status_code == 200, path
        assert "sessionid" not in reader.session.cookies
        served = self.replica_transactions() - before
        assert served > 0, "no reader's query reached the replica"
        self.report["reader"] = {"pages": len(slugs) + 4, "replica_transactions": served}

    # --- 2. evidence in S3 ----------------------------------------------------------------------
    def s3_check(self) -> None:
        bucket = self.cluster.manage(
            "shell", "-c", "from django.conf import settings; "
            "print('bucket:', getattr(settings, 'S3_BUCKET', ''))",
        ).strip().splitlines()[-1]  # fmt: skip
        if bucket.strip() == "bucket:":
            reason = (
                "SKIPPED: config/settings.py does not honour S3_BUCKET (no object storage in "
                "this version); evidence stays on the shared local folder"
            )
            self.cluster.log(reason)
            self.report["s3"] = {"skipped": reason}
            return
        self.cluster.log("evidence through server a, download through server b")
        # Plain text (the upload check types files by content); 256 KiB, unique per run.
        line = f"Transcript of the intercepted order, copy {time.time()}.\n".encode()
        content = (line * (262144 // len(line) + 1))[:262144]
        digest = hashlib.sha256(content).hexdigest()
        # One browser (cookies are per host, not per port) talking to each server in turn.
        a = self.browser(self.cluster.ports.lb_a)
        self.sign_in(a, "researcher")
        b = self.browser(self.cluster.ports.lb_b)
        b.session = a.session
        answer = a.submit(
            "/admin/sources/source/add/",
            {"kind": "video", "title": "Cluster evidence", "url": "", "files-TOTAL_FORMS": "1"},
            form_id="source_form",
            files={"files-0-upload": ("transcript.txt", content, "text/plain")},
        )
        assert answer.status_code == 302, f"upload through a: {_errors(answer)}"
        ((file_id, stored),) = self.sql(
            "SELECT f.id, f.sha256 FROM sources_sourcefile f JOIN sources_source s "
            "ON s.id = f.source_id WHERE s.title = 'Cluster evidence'"
        )
        assert stored == digest, "the SHA-256 recorded at upload differs from the file's"
        answer = b.get(f"/en/files/{file_id}/download/", allow_redirects=False)
        assert answer.status_code == 302, f"download through b answered {answer.status_code}"
        signed = answer.headers["Location"]
        assert signed.startswith(self.cluster.env["S3_ENDPOINT_URL"]), "not a signed S3 address"
        body = requests.get(signed, timeout=60).content
        assert hashlib.sha256(body).hexdigest() == digest, "the bucket's copy differs"
        self.report["s3"] = {"bytes": len(content), "sha256": digest, "signed_url": "ok"}

    # --- 3. sizing --------------------------------------------------------------------------------
    def measure(self, paths, *, seconds: float, clients: int, unique: bool = False) -> dict:
        latencies: list[float] = []
        errors = [0]
        stop = time.monotonic() + seconds
        lock = threading.Lock()

        def client(number: int) -> None:
            browser = self.browser()
            count = 0
            while time.monotonic() < stop:
                path = random.choice(paths)
                if unique:
                    count += 1
                    path += f"?page-built-each-time={number}-{count}"
                started = time.perf_counter()
                try:
                    ok = browser.get(path).status_code == 200
                except requests.RequestException:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors[0] += not ok

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - began
        latencies.sort()
        return {
            "clients": clients,
            "seconds": round(took, 1),
            "requests": len(latencies),
            "errors": errors[0],
            "per_second": round(len(latencies) / took, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        }

    def measure_load(self, seconds: float = 12, clients: int = 8) -> None:
        self.cluster.log(f"load: {clients} clients, {seconds} s per mix")
        pages = ["/en/", "/en/incidents/", *self.incident_paths, "/api/v1/incidents/"]
        before = self.replica_transactions()
        self.report["load"] = {
            "health": self.measure(["/health/"], seconds=seconds / 2, clients=clients),
            "cached_pages": self.measure(pages, seconds=seconds, clients=clients),
            "pages_built_each_time": self.measure(
                self.incident_paths, seconds=seconds, clients=clients, unique=True
            ),
            "replica_transactions": self.replica_transactions() - before,
        }

    def measure_workers(self, jobs: int = 20) -> None:
        self.cluster.log(f"workers: {jobs} captures")
        started = time.monotonic()
        self.cluster.manage(
            "shell",
            "-c",
            "from accounts.models import User\n"
            "from sources.services import source_create\n"
            "by = User.objects.get(username='researcher')\n"
            f"for n in range({jobs}):\n"
            "    source_create(by=by, data={'kind': 'news_article', 'title': f'Fast page {n}', "
            f"'url': f'http://127.0.0.1:{self.cluster.ports.pages}/fast/{{n}}'}})\n",
        )
        queued = time.monotonic()

        def done() -> bool:
            rows = self.sql(
                "SELECT count(*) FILTER (WHERE c.state = 'done'), count(*) FILTER (WHERE "
                "c.state = 'failed') FROM sources_sourcecapture c JOIN sources_source s "
                "ON s.id = c.source_id WHERE s.title LIKE 'Fast page %%'"
            )
            finished, failed = rows[0]
            assert failed == 0, "a capture of a fast page failed"
            return finished == jobs

        _wait(done, what=f"{jobs} captures", timeout=300)
        # From the first job recorded to the last finished, as the database saw them (workers
        # start on the first jobs while the later sources are still being saved).
        ((took,),) = self.sql(
            "SELECT extract(epoch FROM max(j.finished_at) - min(j.created_at)) "
            "FROM sources_sourcecapture c JOIN jobs_job j ON j.id = c.job_id "
            "JOIN sources_source s ON s.id = c.source_id WHERE s.title LIKE 'Fast page %%'"
        )
        took = float(took)
        self.report["workers"] = {
            "workers": 2,
            "concurrency_each": 1,
            "jobs": jobs,
            "seconds": round(took, 2),
            "jobs_per_second": round(jobs / took, 1),
            "saving_the_sources_seconds": round(queued - started, 1),
        }

    # --- 4. journeys with failures ---------------------------------------------------------------
    def failover(self) -> None:
        cluster = self.cluster
        # The handler class the running page server uses (tools.cluster may be __main__).
        pages = cluster.page_server.RequestHandlerClass
        cluster.log("researcher: a source (slow page) and an incident, submitted for review")
        hammer = Hammer(self.browser, self.incident_paths)
        hammer.start()
        try:
            researcher = self.browser()
            self.sign_in(researcher, "researcher")
            pages.slow_started.clear()
            marks = {name: _size(cluster.logs / f"{name}.log") for name in ("worker1", "worker2")}
            answer = researcher.submit(
                "/admin/sources/source/add/",
                {
                    "kind": "news_article",
                    "title": "Cluster smoke: the cited statement",
                    "url": f"http://127.0.0.1:{cluster.ports.pages}/slow/statement",
                    "files-TOTAL_FORMS": "0",
                },
                form_id="source_form",
            )
            assert answer.status_code == 302, f"adding the source: {_errors(answer)}"
            ((source_id,),) = self.sql(
                "SELECT id FROM sources_source WHERE title = 'Cluster smoke: the cited statement'"
            )
            slug = f"cluster-smoke-{cluster.token}"
            answer = researcher.submit(
                "/admin/cases/incident/add/",
                {
                    "title": "Cluster smoke: execution of surrendering soldiers",
                    "slug": slug,
                    "summary": "Entered through the load balancer by the smoke test.",
                    "occurred_from": "2024-11-01",
                    "date_precision": "month",
                    "place_name": "Front line",
                    "oblast": "zaporizhzhia",
                    "country": "Ukraine",
                    "location_precision": "oblast",
                    "category": "pow_execution",
                    "victims_min": "2",
                    "victims_max": "6",
                    "claims-TOTAL_FORMS": "1",
                    "claims-0-text": "Seize the commander and kill the rest.",
                    "claims-0-claimant": "Ukrainian intelligence",
                    "claims-0-evidence-TOTAL_FORMS": "1",
                    "claims-0-evidence-INITIAL_FORMS": "0",
                    "claims-0-evidence-0-source": str(source_id),
                    "claims-0-evidence-0-relation": "supports",
                    "Source_incidents-TOTAL_FORMS": "1",
                    "Source_incidents-0-source": str(source_id),
                },
                form_id="incident_form",
            )
            assert answer.status_code == 302, f"adding the incident: {_errors(answer)}"
            ((incident_id,),) = self.sql("SELECT id FROM cases_incident WHERE slug = %s", slug)
            path = f"/admin/cases/incident/{incident_id}/workflow/submit/"
            answer = researcher.submit(path, {"note": ""})
            assert answer.status_code == 302, f"submitting: {_errors(answer)}"

            assert pages.slow_started.wait(60), "no worker started the capture"
            time.sleep(1)
            busy = [
                name
                for name, mark in marks.items()
                if "Task jobs.run_job" in _read_from(cluster.logs / f"{name}.log", mark)
            ]
            assert len(busy) == 1, f"expected one worker on the capture, found {busy}"
            killed_at = time.monotonic()
            cluster.kill(busy[0])
            cluster.kill("appa")
            cluster.log(f"killed {busy[0]} (mid-capture) and application server a")

            editor = self.browser()
            self.sign_in(editor, "editor")
            answer = editor.submit(
                f"/admin/cases/incident/{incident_id}/workflow/publish/",
                {"note": "Checked in the cluster smoke test."},
            )
            assert answer.status_code == 302, f"publishing: {_errors(answer)}"
            assert answer.headers["Location"].endswith(f"/{incident_id}/change/"), answer.headers
            ((status,),) = self.sql("SELECT status FROM cases_incident WHERE id = %s", incident_id)
            assert status == "published", f"the incident is {status} after publishing"
            reader = self.browser()
            page = reader.get(f"/en/incidents/{slug}/")
            assert page.status_code == 200 and "Cluster smoke: execution" in page.text
            published_in = time.monotonic() - killed_at

            def captured() -> bool:
                rows = self.sql(
                    "SELECT c.state, j.state, j.attempts FROM sources_sourcecapture c "
                    "JOIN jobs_job j ON j.id = c.job_id WHERE c.source_id = %s",
                    source_id,
                )
                return bool(rows) and rows[0][0] == "done" and rows[0][1] == "done"

            _wait(captured, what="the killed worker's capture", timeout=180)
            captured_in = time.monotonic() - killed_at
            ((attempts,),) = self.sql(
                "SELECT j.attempts FROM sources_sourcecapture c JOIN jobs_job j ON j.id = c.job_id "
                "WHERE c.source_id = %s",
                source_id,
            )
        finally:
            hammer.stop()
        self.report["failover"] = {
            "killed": [busy[0], "appa"],
            "published_seconds_after_kill": round(published_in, 1),
            "capture_done_seconds_after_kill": round(captured_in, 1),
            "capture_attempts": attempts,
            "reader_requests_during": hammer.requests,
            "reader_failures_during": hammer.failures,
        }
        assert hammer.failures == 0, f"{hammer.failures} readers' requests failed"


class Hammer:
    """Readers requesting pages through the load balancer while servers die; counts failures."""

    def __init__(self, browser_factory, paths) -> None:
        self.browser_factory = browser_factory
        self.paths = paths
        self.requests = 0
        self.failures = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(2)]

    def _run(self) -> None:
        browser = self.browser_factory()
        while not self._stop.is_set():
            try:
                ok = browser.get(random.choice(self.paths)).status_code == 200
            except requests.RequestException:
                ok = False
            self.requests += 1
            self.failures += not ok
            time.sleep(0.05)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def _errors(answer: requests.Response) -> str:
    """The status and the form errors of a refused form, for the failure message."""
    found = re.findall(
        r'class="(?:errorlist|errornote)[^"]*"[^>]*>(.*?)</(?:ul|p)>', answer.text, re.S
    )
    return f"{answer.status_code} {[re.sub(r'<[^>]+>', ' ', item).strip() for item in found]}"


def _incident_slugs(html: str) -> list[str]:
    return re.findall(r'href="/en/incidents/([a-z0-9-]+)/"', html)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def _wait(check, *, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done after {timeout} s")
        time.sleep(0.5)


def smoke(cluster, *, report: str = "") -> dict:
    smoke = Smoke(cluster)
    started = time.monotonic()
    smoke.reader_journey()
    smoke.s3_check()
    smoke.measure_load()
    smoke.measure_workers()
    smoke.failover()
    smoke.report["smoke_seconds"] = round(time.monotonic() - started, 1)
    smoke.report["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
    text = json.dumps(smoke.report, indent=2)
    cluster.log(f"smoke test passed:\n{text}")
    if report:
        Path(report).write_text(text + "\n")
    return smoke.report
