"""`make cluster`: the whole production set on one machine, on loopback (issue 22).

    python tools/cluster.py            # start everything, print the addresses, run until Ctrl-C
    python tools/cluster.py --smoke    # start, run the smoke test and the measurements, stop

Starts, each as a child process in its own process group (stopped together at the end):
- HAProxy terminating TLS (a self-signed certificate made here) in front of two gunicorn
  servers, with health checks on /health/; plus one TLS entry per server ("a", "b") so the
  smoke test can upload through one server and download through the other;
- two Celery job workers on the Redis queue;
- a streaming replica of the PostgreSQL primary (tools/pgreplica.py) on CLUSTER_REPLICA_PORT,
  named in DATABASE_REPLICA_URLS;
- moto's S3 server as the evidence bucket (S3_* variables), and a small web page server the
  archiver captures (ARCHIVE_ALLOW_LOOPBACK).
The PostgreSQL primary and Redis are the machine's own (CLUSTER_DATABASE_URL, CLUSTER_REDIS_URL,
CLUSTER_QUEUE_URL); the database is created afresh and dropped at the end. The sites run the
production settings (config.settings, DEBUG off, static files through WhiteNoise after
collectstatic, TRUSTED_PROXIES=1, SECURE_PROXY_SSL_HEADER).

The smoke test (tools/cluster_smoke.py) writes its figures to CLUSTER_REPORT (JSON), which
docs/deploy.md quotes.
"""

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.pgreplica import Replica, create_database, drop_database  # noqa: E402

BIN = Path(sys.executable).parent


class Ports:
    def __init__(self, base: int) -> None:
        self.lb = base  # HTTPS through the load balancer (both servers)
        self.lb_a = base + 1  # HTTPS to server a only
        self.lb_b = base + 2  # HTTPS to server b only
        self.stats = base + 3  # HAProxy's statistics page (plain HTTP, loopback)
        self.app = [base + 10, base + 11]
        self.s3 = base + 20
        self.pages = base + 30


class CapturePages(BaseHTTPRequestHandler):
    """Pages for the archiver: /slow/<n> answers after a few seconds (a capture still running
    when the smoke test kills its worker), anything else at once."""

    slow_seconds = 8.0
    slow_started = threading.Event()

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path.startswith("/slow/"):
            type(self).slow_started.set()
            time.sleep(self.slow_seconds)
        body = (
            f"<!doctype html><html><head><title>Cited page {self.path}</title></head>"
            f"<body><h1>Statement {self.path}</h1><p>Reported on the front line.</p></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a worker killed mid-capture hangs up: expected here, not worth a traceback


class Cluster:
    def __init__(self, *, base_port: int, database_url: str, replica_port: int) -> None:
        self.ports = Ports(base_port)
        self.work = Path(tempfile.mkdtemp(prefix="cluster-"))
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.database_url = database_url
        parts = urlsplit(database_url)
        self.db_name = parts.path.lstrip("/")
        self.db_host, self.db_port = parts.hostname or "127.0.0.1", parts.port or 5432
        self.replica = Replica(
            directory=Path(tempfile.mkdtemp(prefix="cluster-replica-")),
            port=replica_port,
            primary_host=self.db_host,
            primary_port=self.db_port,
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.page_server: PageServer | None = None
        self.token = secrets.token_hex(4)
        self.url = f"https://127.0.0.1:{self.ports.lb}"
        self.cert = self.work / "tls.crt"
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        redis = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/0")
        queue = os.environ.get("CLUSTER_QUEUE_URL", "redis://127.0.0.1:6379/1")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "S3_", "JOBS_", "REDIS_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DEBUG": "0",
                "SECRET_KEY": f"cluster-only-{secrets.token_urlsafe(40)}",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": ",".join(
                    f"https://127.0.0.1:{port}"
                    for port in (self.ports.lb, self.ports.lb_a, self.ports.lb_b)
                ),
                "SITE_URL": self.url,
                # HAProxy terminates TLS, sets X-Forwarded-Proto and appends X-Forwarded-For.
                "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
                "TRUSTED_PROXIES": "1",
                "DATABASE_URL": self.database_url,
                "DATABASE_REPLICA_URLS": (
                    f"postgres://postgres@127.0.0.1:{self.replica.port}/{self.db_name}"
                ),
                "REDIS_URL": redis,
                "CACHE_KEY_PREFIX": f"cluster-{self.token}",
                "JOBS_BROKER_URL": queue,
                "JOBS_QUEUE": f"cluster-{self.token}",
                # A killed worker's job is delivered again after this (production: an hour).
                "JOBS_VISIBILITY_TIMEOUT_SECONDS": os.environ.get("CLUSTER_VISIBILITY", "20"),
                "JOBS_RETRY_BACKOFF_SECONDS": "2",
                # Every server and worker of this machine sees the same folders.
                "MEDIA_ROOT": str(self.work / "media"),
                "IMPORT_UPLOAD_DIR": str(self.work / "imports"),
                "LEDGER_DEV_KEY_FILE": str(self.work / "ledger-dev-key"),
                "ARCHIVE_ALLOW_LOOPBACK": "1",
                "ARCHIVE_CHROMIUM": os.environ.get("CLUSTER_CHROMIUM", ""),
                "ARCHIVE_TIMEOUT_SECONDS": "20",
                # The evidence bucket: moto's S3 server (issue 22, point 1 reads these).
                "S3_BUCKET": f"evidence-{self.token}",
                "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.ports.s3}",
                "S3_ACCESS_KEY_ID": "cluster",
                "S3_SECRET_ACCESS_KEY": "cluster-secret",
                "S3_REGION": "us-east-1",
                "S3_SIGNED_URL_SECONDS": "60",
                "API_ANON_RATE": "1000000/min",
                "LOG_LEVEL": "WARNING",
            }
        )
        return env

    # --- processes --------------------------------------------------------------------------------
    def start_process(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("a") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=kwargs.pop("env", self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed with its children
                **kwargs,
            )
        self.processes[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill ``name`` and its children at once, as a crashed machine would."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def manage(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def log(self, message: str) -> None:
        print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)

    # --- the pieces -------------------------------------------------------------------------------
    def prepare_database(self) -> None:
        self.log(f"database {self.db_name}: create, migrate, demo data")
        create_database(self.db_name, host=self.db_host, port=self.db_port)
        setup = {**self.env, "ARCHIVE_ON_SAVE": "0"}
        setup.pop("DATABASE_REPLICA_URLS")
        self.manage("migrate", "--no-input", env=setup)
        self.manage("load_demo", "--password", DEMO_PASSWORD, env=setup)
        # The editor's authenticator app, whose codes the smoke test computes (RFC 6238).
        self.manage(
            "shell",
            "-c",
            "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
            "from accounts.models import User\n"
            "TOTPDevice.objects.create(user=User.objects.get(username='editor'), "
            f"name='Authenticator app', confirmed=True, key='{EDITOR_KEY}')",
            env=setup,
        )
        self.manage("collectstatic", "--no-input", env=setup)

    def start_replica(self) -> None:
        self.log(
            f"replica: pg_basebackup of {self.db_host}:{self.db_port}, port {self.replica.port}"
        )
        self.replica.start()
        self.replica.wait_for_database(self.db_name)
        self.replica.wait_caught_up()

    def start_s3(self) -> None:
        self.log(f"S3 stand-in (moto) on {self.ports.s3}")
        self.start_process(
            "s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.ports.s3)]
        )
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=self.env["S3_ENDPOINT_URL"],
            aws_access_key_id=self.env["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["S3_SECRET_ACCESS_KEY"],
            region_name=self.env["S3_REGION"],
        )
        wait_until(lambda: s3.list_buckets() is not None, what="moto S3 server")
        s3.create_bucket(Bucket=self.env["S3_BUCKET"])

    def start_pages(self) -> None:
        self.page_server = PageServer(("127.0.0.1", self.ports.pages), CapturePages)
        threading.Thread(target=self.page_server.serve_forever, daemon=True).start()

    def start_app(self, index: int) -> None:
        name = f"app{'ab'[index]}"
        self.start_process(
            name,
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                f"--bind=127.0.0.1:{self.ports.app[index]}",
                "--workers=2",
                "--worker-class=gthread",
                "--threads=4",
                "--timeout=300",
            ],  # fmt: skip
        )

    def start_worker(self, index: int) -> None:
        name = f"worker{index + 1}"
        self.start_process(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                f"--hostname={name}-{self.token}@%h",
                "--without-gossip",
                "--without-mingle",
            ],  # fmt: skip
        )

    def start_balancer(self) -> None:
        cert = self.work / "tls.key"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(cert),
                "-out",
                str(self.cert),
            ],  # fmt: skip
            check=True,
            capture_output=True,
        )
        pem = self.work / "haproxy.pem"
        pem.write_text(self.cert.read_text() + cert.read_text())
        config = self.work / "haproxy.cfg"
        config.write_text(haproxy_config(self.ports, pem))
        self.start_process("haproxy", ["haproxy", "-db", "-f", str(config)])

    def up(self) -> None:
        # The bucket first: the demo data's files are stored in it.
        self.start_s3()
        self.prepare_database()
        self.start_replica()
        self.start_pages()
        for index in (0, 1):
            self.start_app(index)
            self.start_worker(index)
        self.start_balancer()
        import requests

        def healthy():
            answer = requests.get(f"{self.url}/health/", verify=self.cert, timeout=5)
            return answer.status_code == 200

        wait_until(healthy, what="the site through the load balancer", timeout=120)
        for port in self.ports.app:
            wait_until(
                lambda port=port: requests.get(f"http://127.0.0.1:{port}/health/", timeout=5).ok,
                what=f"gunicorn on {port}",
            )
        self.log(f"up: {self.url}/ (certificate {self.cert}), logs in {self.logs}")

    def down(self, *, keep_logs: bool = False) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.page_server is not None:
            self.page_server.shutdown()
        self.replica.stop()
        try:
            drop_database(self.db_name, host=self.db_host, port=self.db_port)
        except Exception as error:  # noqa: BLE001 — a leftover database is reported, not fatal
            self.log(f"could not drop {self.db_name}: {error}")
        import redis

        client = redis.Redis.from_url(self.env["REDIS_URL"])
        keys = list(client.scan_iter(match=f"{self.env['CACHE_KEY_PREFIX']}:*"))
        if keys:
            client.delete(*keys)
        queue = redis.Redis.from_url(self.env["JOBS_BROKER_URL"])
        # The queue and kombu's bindings of it (this run's name only; nothing else is touched).
        names = list(queue.scan_iter(match=f"*{self.env['JOBS_QUEUE']}*"))
        if names:
            queue.delete(*names)
        if keep_logs:
            self.log(f"logs kept in {self.logs}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


DEMO_PASSWORD = "cluster-demo-password"
EDITOR_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex


def haproxy_config(ports: Ports, pem: Path) -> str:
    servers = "\n".join(
        f"    server app{'ab'[i]} 127.0.0.1:{port} check inter 2s fall 3 rise 2"
        for i, port in enumerate(ports.app)
    )
    return f"""
global
    maxconn 512

defaults
    mode http
    timeout connect 2s
    timeout client 300s
    timeout server 300s
    # A connection refused by a dead server is tried on the other one.
    timeout check 5s
    # A request refused by a dead server, or a GET sent on a kept connection to a server that
    # died (closed without answering), is sent to the other one. Not after a timeout: a slow
    # export must not be run twice; never a write (``disable-l7-retry`` below).
    retries 2
    retry-on conn-failure empty-response
    option redispatch
    option forwardfor
    option httpchk GET /health/

frontend site
    bind 127.0.0.1:{ports.lb} ssl crt {pem}
    http-request set-header X-Forwarded-Proto https
    # A write is never sent twice: a server that died after committing it and before answering
    # would otherwise have it applied again by the other (only GET and HEAD are retried).
    http-request disable-l7-retry if !METH_GET !METH_HEAD
    default_backend servers

frontend server_a
    bind 127.0.0.1:{ports.lb_a} ssl crt {pem}
    http-request set-header X-Forwarded-Proto https
    http-request disable-l7-retry if !METH_GET !METH_HEAD
    default_backend only_a

frontend server_b
    bind 127.0.0.1:{ports.lb_b} ssl crt {pem}
    http-request set-header X-Forwarded-Proto https
    http-request disable-l7-retry if !METH_GET !METH_HEAD
    default_backend only_b

frontend stats
    bind 127.0.0.1:{ports.stats}
    stats enable
    stats uri /

backend servers
    balance roundrobin
{servers}

backend only_a
    server appa 127.0.0.1:{ports.app[0]} check inter 2s fall 3 rise 2

backend only_b
    server appb 127.0.0.1:{ports.app[1]} check inter 2s fall 3 rise 2
"""


def wait_until(check, *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as error:  # noqa: BLE001 — not up yet
            last = error
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not come up in {timeout} s ({last})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="run the smoke test, then stop")
    parser.add_argument("--report", default=os.environ.get("CLUSTER_REPORT", ""))
    args = parser.parse_args()
    cluster = Cluster(
        base_port=int(os.environ.get("CLUSTER_PORT", "8500")),
        database_url=os.environ.get(
            "CLUSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cluster"
        ),
        replica_port=int(os.environ.get("CLUSTER_REPLICA_PORT", "5440")),
    )
    passed = False
    try:
        cluster.up()
        if args.smoke:
            from tools.cluster_smoke import smoke

            smoke(cluster, report=args.report)
        else:
            cluster.log("Ctrl-C stops everything")
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        passed = True
    finally:
        cluster.log("stopping")
        cluster.down(keep_logs=not passed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
