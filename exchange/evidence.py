"""The evidence package of one incident, for prosecutors (issue 17), after the Berkeley Protocol.

A ZIP: ``manifest.json`` (the incident, claims with statuses, rationales, methods and history,
victims as allowed, statements and figures, sources with URLs and dates, every file with its
SHA-256, size, type, RFC 3161 token, custody log, who collected it, when and how), the files,
the tokens, the transparency-log entries of its history with inclusion proofs, ``README.txt``
(how to check each hash and token with ``sha256sum`` and ``openssl ts -verify``) and
``SHA256SUMS``. Schema: docs/evidence-package.schema.json.

Variants: ``full`` (editors: restricted files, custody logs and their tokens; each file's export
is written to its custody log) and ``public`` (what any reader may see). Files are streamed.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from rest_framework.renderers import JSONRenderer

from cases.models import AllegedVictim, Claim, ClaimEvidence, Incident
from exchange.serializers import IncidentSerializer
from exchange.zipstream import ZipStream, file_chunks
from ledger import log, merkle, timestamps
from ledger.models import LogEntry
from sources import services as source_services
from sources.models import FileCustodyEvent, OfficialStatement, ReportedFigure, Source, SourceFile
from sources.timestamps import custody_document, custody_subject, file_subject

FULL, PUBLIC = "full", "public"
TOOL = "case-tracker upload (SHA-256 computed by the server on receipt)"
FORMAT = "case-tracker-evidence-package"


def incident_for_package(slug: str) -> Incident | None:
    claims = Claim.objects.order_by("pk").prefetch_related(
        Prefetch("evidence", queryset=ClaimEvidence.objects.order_by("pk")), "status_changes"
    )
    statements = OfficialStatement.objects.order_by("stated_on", "pk").prefetch_related(
        Prefetch("figures", queryset=ReportedFigure.objects.order_by("period_start", "pk"))
    )
    return (
        Incident.objects.prefetch_related(
            Prefetch("claims", queryset=claims),
            Prefetch("victims", queryset=AllegedVictim.objects.order_by("pk")),
            Prefetch("sources", queryset=Source.objects.order_by("pk")),
            Prefetch("statements", queryset=statements),
        )
        .filter(slug=slug)
        .first()
    )


def package_files(incident: Incident, variant: str):
    """Files of every source the incident cites: directly, as claim evidence, or as where a
    statement was reported. The public variant keeps only files any reader may download."""
    source_ids = {s.pk for s in incident.sources.all()}
    source_ids |= {e.source_id for c in incident.claims.all() for e in c.evidence.all()}
    source_ids |= {s.reported_in_id for s in incident.statements.all() if s.reported_in_id}
    files = SourceFile.objects.filter(source_id__in=source_ids).select_related(
        "source", "uploaded_by"
    )
    if variant == PUBLIC:
        files = files.filter(pk__in=SourceFile.objects.public().values("pk"))
    return list(files.order_by("pk"))


def record_exports(*, files, incident: Incident, by) -> None:
    """The full package takes files out of our custody: one custody event per file."""
    with transaction.atomic():
        for source_file in files:
            source_services.source_file_record_export(
                source_file=source_file,
                by=by,
                detail=f"Evidence package (full) of incident “{incident.slug}” for {by}.",
            )


def _safe(name: str) -> str:
    name = re.sub(r"[^\w.\-]+", "_", name).strip("._") or "file"
    return name[:120]


def _iso(value) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass
class Package:
    manifest: dict
    members: list = field(default_factory=list)  # (path, chunks factory, compress)
    tokens: list = field(default_factory=list)  # (command text) for README


def build(*, incident: Incident, variant: str, files: list[SourceFile]) -> Package:
    """Everything but the file bytes, read now; the bytes are read while streaming."""
    now = datetime.now(UTC)
    record = json.loads(JSONRenderer().render(IncidentSerializer(incident).data))
    package = Package(manifest={})
    stamps = timestamps.for_subjects(
        [file_subject(f.pk) for f in files]
        + [custody_subject(e.pk) for e in FileCustodyEvent.objects.filter(source_file__in=files)]
    )
    add = package.members.append

    file_records = []
    for source_file in files:
        path = f"files/{source_file.sha256}/{_safe(source_file.original_name)}"
        add((path, _lazy_file(source_file), False))
        stamp = stamps.get(file_subject(source_file.pk))
        token = None
        if stamp is not None:
            token_path = f"timestamps/files/{source_file.sha256}.tsr"
            add((token_path, _bytes(bytes(stamp.response)), False))
            token = _token(stamp, token_path, data=path)
            package.tokens.append(token["verify"])
        entry = {
            "id": source_file.pk,
            "source": source_file.source_id,
            "path": path,
            "original_name": source_file.original_name,
            "sha256": source_file.sha256,
            "size": source_file.size,
            "mime_type": source_file.mime_type,
            "restricted": source_file.is_restricted,
            "collected_at": _iso(source_file.uploaded_at),
            "collected_by": (
                str(source_file.uploaded_by)
                if variant == FULL and source_file.uploaded_by
                else None
            ),
            "tool": TOOL,
            "timestamp": token,
        }
        if variant == FULL:
            entry["custody"] = _custody(source_file, stamps, package)
        file_records.append(entry)

    transparency = _transparency(incident, files, package)
    ca = settings.TSA_CA_FILE
    if ca and Path(ca).exists():
        add(("tsa/ca.pem", _bytes(Path(ca).read_bytes()), True))

    package.manifest = {
        "format": FORMAT,
        "version": 1,
        "variant": variant,
        "generated_at": now.isoformat(),
        "site": settings.SITE_URL,
        "incident": {
            k: v
            for k, v in record.items()
            if k not in ("claims", "victims", "statements", "sources")
        },
        "claims": record["claims"],
        "victims": record["victims"],
        "statements": record["statements"],
        "sources": record["sources"],
        "files": file_records,
        "transparency": transparency,
        "tsa_ca": "tsa/ca.pem" if ca and Path(ca).exists() else None,
    }
    return package


def _token(stamp, token_path: str, *, data: str | None = None, digest: str | None = None) -> dict:
    target = f"-data {data}" if data else f"-digest {digest}"
    return {
        "path": token_path,
        "time": _iso(stamp.gen_time),
        "tsa": stamp.tsa_name,
        "sha256": stamp.sha256,
        "verify": f"openssl ts -verify {target} -in {token_path} -CAfile tsa/ca.pem",
    }


def _custody(source_file, stamps, package: Package) -> list[dict]:
    events = []
    for event in source_file.custody_events.select_related("by").order_by("at", "pk"):
        document = custody_document(event)
        path = f"custody/{source_file.pk}/{event.pk}.json"
        package.members.append((path, _bytes(document), True))
        stamp = stamps.get(custody_subject(event.pk))
        token = None
        if stamp is not None:
            token_path = f"custody/{source_file.pk}/{event.pk}.tsr"
            package.members.append((token_path, _bytes(bytes(stamp.response)), False))
            token = _token(stamp, token_path, data=path)
            package.tokens.append(token["verify"])
        events.append(
            {
                "id": event.pk,
                "action": event.action,
                "detail": event.detail,
                "by": str(event.by) if event.by else None,
                "at": _iso(event.at),
                "record": path,
                "timestamp": token,
            }
        )
    return events


def _transparency(incident: Incident, files, package: Package) -> dict:
    head = log.head()
    subjects = [file_subject(f.pk) for f in files]
    entries = LogEntry.objects.filter(scope=f"incident:{incident.pk}") | LogEntry.objects.filter(
        subject__in=subjects
    )
    items = []
    leaves = log.leaf_hashes(head.tree_size) if head.tree_size else []
    for entry in entries.order_by("index"):
        path = f"transparency/entries/{entry.index}.json"
        package.members.append((path, _bytes(entry.payload.encode()), True))
        items.append(
            {
                "index": entry.index,
                "path": path,
                "leaf_hash": entry.leaf_hash,
                "audit_path": [h.hex() for h in merkle.inclusion_proof(entry.index, leaves)],
            }
        )
    head_json = head.as_json()
    package.members.append(
        ("transparency/tree-head.json", _bytes(json.dumps(head_json, indent=1).encode()), True)
    )
    message_path = "transparency/tree-head-signed-message.bin"
    package.members.append(
        (message_path, _bytes(bytes.fromhex(head_json["signed_message_hex"])), False)
    )
    token = None
    if head.stored is not None:
        stamp = timestamps.for_subjects([timestamps.tree_head_subject(head.tree_size)]).get(
            timestamps.tree_head_subject(head.tree_size)
        )
        if stamp is not None:
            package.members.append(
                ("transparency/tree-head.tsr", _bytes(bytes(stamp.response)), False)
            )
            token = _token(stamp, "transparency/tree-head.tsr", data=message_path)
            package.tokens.append(token["verify"])
    return {"tree_head": head_json, "tree_head_timestamp": token, "entries": items}


def _bytes(data: bytes):
    return lambda: iter([data])


def _lazy_file(source_file):
    return lambda: file_chunks(source_file.file)


def stream(package: Package, *, incident: Incident) -> Iterator[bytes]:
    """The ZIP, chunk by chunk: files, tokens, manifest, README, then SHA256SUMS."""
    now = datetime.now(UTC)
    zipper = ZipStream(date_time=(now.year, now.month, now.day, now.hour, now.minute, now.second))
    manifest = json.dumps(package.manifest, indent=1, ensure_ascii=False).encode()
    readme = render_to_string(
        "exchange/evidence_readme.txt",
        {"incident": incident, "manifest": package.manifest, "commands": package.tokens},
    ).encode()

    def members():
        for path, chunks, compress in package.members:
            yield path, chunks(), compress
        yield "manifest.json", iter([manifest]), True
        yield "README.txt", iter([readme]), True
        yield "SHA256SUMS", _sums(zipper), True

    return zipper.generate(members())


def _sums(zipper: ZipStream) -> Iterator[bytes]:
    yield "".join(f"{digest}  {name}\n" for name, digest in zipper.sums).encode()
