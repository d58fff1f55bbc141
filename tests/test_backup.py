"""Backup and restore as docs/backup.md describes it: the restored copy is identical.

PostgreSQL only: the data is dumped with ``pg_dump --format=custom``, restored with
``pg_restore`` into a fresh, empty database, and compared table by table (row counts and a
checksum over every row); the evidence files go through a tar archive and are re-hashed.
"""

import hashlib
import shutil
import subprocess
import tarfile
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.db import connection

from cases import services
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
    ClaimFactory,
    EditorFactory,
    IncidentFactory,
    OfficialStatementFactory,
    ReportedFigureFactory,
    SourceFileFactory,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="pg_dump/pg_restore backup is for PostgreSQL; SQLite uses dumpdata (docs/backup.md)",
    ),
    pytest.mark.django_db(transaction=True),  # pg_dump only sees committed data
]


def pg_tool_problem() -> str | None:
    """Why pg_dump cannot be used here, or None when it matches the server's major version."""
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        return "pg_dump/pg_restore are not installed"
    output = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout
    client_major = int(output.split()[-1].split(".")[0])
    server_major = connection.cursor().connection.server_version // 10000
    if client_major != server_major:
        return f"pg_dump {client_major} does not match the PostgreSQL {server_major} server"
    return None


def libpq_args(settings: dict) -> list[str]:
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args += [flag, str(settings[key])]
    return args


def libpq_env(settings: dict) -> dict:
    import os

    return {**os.environ, **({"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {})}


def table_fingerprints(dsn: dict) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 over every row (in primary-key order) of every project table."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in {"accounts", "auth", "cases", "sources"}
    )
    result = {}
    # closing(): psycopg2's own context manager ends the transaction but keeps the connection.
    with closing(psycopg2.connect(**dsn)) as db, db.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
                f' FROM "{table}" t'
            )
            result[table] = cursor.fetchone()
    return result


def file_hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_dump_and_restore_give_identical_records_and_files(media_root, tmp_path):
    problem = pg_tool_problem()
    if problem:
        pytest.skip(problem)

    # One of everything, with history, audit records and two stored files.
    editor = EditorFactory()
    incident = IncidentFactory(published=True, title="Execution near Popasna")
    claim = ClaimFactory(incident=incident, text="Footage shows the execution.")
    services.claim_change_status(
        claim=claim, status="verified", rationale="Geolocated.", methods=["geolocation"], by=editor
    )
    AllegedVictimFactory(incident=incident, name="Withheld name")
    files = SourceFileFactory.create_batch(2)
    ClaimEvidenceFactory(claim=claim, source=files[0].source)
    ReportedFigureFactory(statement=OfficialStatementFactory())

    settings = connection.settings_dict
    source_name = settings["NAME"]
    restored_name = f"{source_name}_restored"
    base = libpq_args(settings)
    env = libpq_env(settings)

    # Back up: the database in custom format, the media folder as a tar archive.
    dump = tmp_path / "tracker.dump"
    subprocess.run(
        ["pg_dump", *base, "--format=custom", "--file", str(dump), source_name],
        check=True,
        env=env,
    )
    archive = tmp_path / "media.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(media_root, arcname="media")

    # Restore into an empty database and an empty folder.
    subprocess.run(["dropdb", *base, "--if-exists", restored_name], check=True, env=env)
    subprocess.run(["createdb", *base, restored_name], check=True, env=env)
    try:
        subprocess.run(
            ["pg_restore", *base, "--no-owner", "--exit-on-error", "--dbname", restored_name]
            + [str(dump)],
            check=True,
            env=env,
        )
        restored_media = tmp_path / "restored"
        with tarfile.open(archive) as tar:
            tar.extractall(restored_media, filter="data")

        dsn = {
            key: value
            for key, value in {
                "host": settings.get("HOST"),
                "port": settings.get("PORT"),
                "user": settings.get("USER"),
                "password": settings.get("PASSWORD"),
            }.items()
            if value
        }
        original = table_fingerprints({**dsn, "dbname": source_name})
        restored = table_fingerprints({**dsn, "dbname": restored_name})
        assert restored == original
        assert original["cases_incident"][0] == 1 and original["sources_sourcefile"][0] == 2

        # Every restored file still has the SHA-256 recorded in the restored database.
        assert file_hashes(restored_media / "media") == file_hashes(media_root)
        with closing(psycopg2.connect(**dsn, dbname=restored_name)) as db, db.cursor() as cursor:
            cursor.execute("SELECT file, sha256 FROM sources_sourcefile")
            recorded = cursor.fetchall()
        for name, sha256 in recorded:
            content = (restored_media / "media" / name).read_bytes()
            assert hashlib.sha256(content).hexdigest() == sha256, name
    finally:
        subprocess.run(["dropdb", *base, "--if-exists", restored_name], check=True, env=env)
