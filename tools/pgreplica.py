"""A streaming replica of a local PostgreSQL, on another port, for the tests and `make cluster`.

    replica = Replica(primary_port=5432, port=5440, directory=Path("/tmp/replica"))
    replica.start()      # pg_basebackup -R -X stream, then pg_ctl start; waits until it answers
    replica.pause()      # SELECT pg_wal_replay_pause(): the replica stops applying changes
    replica.resume(); replica.wait_caught_up()
    replica.stop()       # pg_ctl stop and the folder removed

The primary is not touched: it only needs to accept replication connections from 127.0.0.1
(``host replication all 127.0.0.1/32 trust`` in pg_hba.conf, which `.ci/run` adds) and
``max_wal_senders`` > 0 (PostgreSQL's default is 10). pg_basebackup and pg_ctl refuse to run as
root, so as root they run as the ``postgres`` user (runuser), who then owns the copy.
"""

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg2

# Settings a hot standby must hold at least as high as its primary, or it refuses to start.
_AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_locks_per_transaction",
    "max_prepared_transactions",
    "max_wal_senders",
)


def postgres_bin() -> Path | None:
    """The folder holding pg_basebackup and pg_ctl: PG_BIN, PATH, or Debian's
    /usr/lib/postgresql/<version>/bin (where CI has them); None when they are missing."""
    candidates = [os.environ.get("PG_BIN", "")]
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and all((Path(folder) / tool).is_file() for tool in ("pg_basebackup", "pg_ctl")):
            return Path(folder)
    return None


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Replica:
    def __init__(
        self,
        *,
        directory: Path,
        port: int,
        primary_host: str = "127.0.0.1",
        primary_port: int = 5432,
        user: str = "postgres",
    ) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise FileNotFoundError("pg_basebackup and pg_ctl not found (set PG_BIN)")
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "replica.log"
        self.port = port
        self.primary = {"host": primary_host, "port": primary_port, "user": user}
        self.started = False

    def connect(self, dbname: str = "postgres", *, primary: bool = False):
        where = self.primary if primary else {**self.primary, "port": self.port}
        connection = psycopg2.connect(dbname=dbname, connect_timeout=5, **where)
        connection.autocommit = True
        return connection

    def _query(self, sql: str, *, primary: bool = False):
        connection = self.connect(primary=primary)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0] if cursor.description else None
        finally:
            connection.close()

    def _run(self, *command: str) -> None:
        subprocess.run(_as_owner(list(command)), check=True, capture_output=True, text=True)

    def start(self, timeout: float = 120) -> None:
        """Copy the primary (pg_basebackup, streaming its WAL) and start the copy as a hot
        standby on ``port``; returns once it accepts connections."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        primary_values = {
            name: self._query(f"SHOW {name}", primary=True) for name in _AT_LEAST_PRIMARY
        }
        self._run(
            str(self.bin / "pg_basebackup"),
            "-h", self.primary["host"], "-p", str(self.primary["port"]), "-U", self.primary["user"],
            "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        config = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.directory}'",
            "hot_standby": "on",
            "shared_buffers": "32MB",
            "logging_collector": "off",
            # A reader's long query is cancelled rather than holding replay back for long.
            "max_standby_streaming_delay": "5s",
            **primary_values,
        }
        settings_text = "".join(f"{name} = {value}\n" for name, value in config.items())
        hba = "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        for name, text in (("postgresql.conf", settings_text), ("pg_hba.conf", hba)):
            path = self.data / name
            path.write_text(text)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-w", "-t", str(int(timeout)), "start",
        )  # fmt: skip
        self.started = True
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self._query("SELECT pg_is_in_recovery()"):
                    return
            except psycopg2.OperationalError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"replica on port {self.port} did not start; see {self.log}")
            time.sleep(0.3)

    def pause(self) -> None:
        self._query("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self._query("SELECT pg_wal_replay_resume()")

    def lag_bytes(self, target: str | None = None) -> int:
        """How much of the WAL up to ``target`` (default: the primary's position now) this
        replica has not replayed yet; 0 or less when it has."""
        target = target or self._query("SELECT pg_current_wal_lsn()::text", primary=True)
        return int(self._query(f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())"))

    def wait_caught_up(self, timeout: float = 120) -> None:
        """Wait until everything the primary had written when called is replayed (a busy
        primary keeps writing: waiting for a lag of exactly 0 might never end)."""
        target = self._query("SELECT pg_current_wal_lsn()::text", primary=True)
        deadline = time.monotonic() + timeout
        while self.lag_bytes(target) > 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"replica on port {self.port} still behind after {timeout} s")
            time.sleep(0.2)

    def wait_for_database(self, dbname: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.connect(dbname).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def stop(self) -> None:
        if self.started:
            subprocess.run(
                _as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
                capture_output=True,
            )
            self.started = False
        shutil.rmtree(self.directory, ignore_errors=True)


def create_database(name: str, *, host: str = "127.0.0.1", port: int = 5432) -> None:
    """(Re)create database ``name`` on the primary, empty."""
    connection = psycopg2.connect(dbname="postgres", host=host, port=port, user="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def drop_database(name: str, *, host: str = "127.0.0.1", port: int = 5432) -> None:
    connection = psycopg2.connect(dbname="postgres", host=host, port=port, user="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()
