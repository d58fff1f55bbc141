"""A WACZ 1.1.1 package (https://specs.webrecorder.net/wacz/1.1.1/) of fetched hops.

The WARC inside is written by warcio (a request and a response record per hop); the index
(CDXJ), pages list and data package are the small files the specification asks for.
"""

import hashlib
import io
import json
import time
import zipfile
from datetime import UTC, datetime
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from sources.archiving.fetch import Hop

WARC_NAME = "data.warc.gz"
# Headers describing the bytes on the wire that no longer apply to the body we keep
# (http.client undid the chunking).
_DROPPED = {"transfer-encoding", "content-length"}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def surt(url: str) -> str:
    """Sort-friendly URI key as the CDXJ index uses: host reversed, lower case."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    key = ",".join(reversed(host.split(".")))
    if parts.port and parts.port not in (80, 443):
        key += f":{parts.port}"
    path = parts.path or "/"
    return f"{key}){path.lower()}" + (f"?{parts.query}" if parts.query else "")


def write_warc(hops: list[Hop], *, software: str) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    info = writer.create_warcinfo_record(WARC_NAME, {"software": software, "format": "WARC/1.1"})
    writer.write_record(info)
    for hop in hops:
        date = _iso(hop.fetched_at)
        parts = urlsplit(hop.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            hop.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,  # a known length: warcio then needs no temporary file
            http_headers=StatusAndHeaders(
                f"{hop.method} {target} HTTP/1.1", hop.request_headers, is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": hop.address},
        )
        headers = [(k, v) for k, v in hop.headers if k.lower() not in _DROPPED]
        headers.append(("Content-Length", str(len(hop.body))))
        response = writer.create_warc_record(
            hop.url,
            "response",
            payload=io.BytesIO(hop.body),
            length=len(hop.body),
            http_headers=StatusAndHeaders(
                f"{hop.status} {hop.reason}", headers, protocol=hop.http_version
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": hop.address},
        )
        writer.write_record(response)
        writer.write_record(request)
    return out.getvalue()


def cdxj_index(warc: bytes) -> bytes:
    """One line per response record: ``surt timestamp {json}``, sorted."""
    lines = []
    stream = io.BytesIO(warc)
    iterator = ArchiveIterator(stream)
    for record in iterator:
        if record.rec_type != "response":
            record.content_stream().read()
            continue
        url = record.rec_headers.get_header("WARC-Target-URI")
        # WARC-Date is UTC; the index wants its digits (14 of them).
        ts = "".join(ch for ch in record.rec_headers.get_header("WARC-Date") if ch.isdigit())[:14]
        mime = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
        status = record.http_headers.get_statuscode()
        digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
        record.content_stream().read()
        offset = iterator.get_record_offset()
        length = iterator.get_record_length()
        fields = {
            "url": url,
            "mime": mime or "unk",
            "status": status,
            "digest": digest,
            "length": str(length),
            "offset": str(offset),
            "filename": WARC_NAME,
        }
        lines.append(f"{surt(url)} {ts} {json.dumps(fields)}")
    return ("\n".join(sorted(lines)) + "\n").encode()


def build_wacz(hops: list[Hop], *, page_url: str, title: str, software: str) -> bytes:
    """The WACZ bytes of ``hops`` (the page's redirect chain and its media)."""
    warc = write_warc(hops, software=software)
    page = next((hop for hop in hops if hop.status not in (301, 302, 303, 307, 308)), hops[0])
    pages = [
        {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"},
        {
            "id": hashlib.sha256(page_url.encode()).hexdigest()[:32],
            "url": page_url,
            "ts": _iso(hops[0].fetched_at),
            "title": title or page_url,
        },
    ]
    files = {
        f"archive/{WARC_NAME}": warc,
        "indexes/index.cdxj": cdxj_index(warc),
        "pages/pages.jsonl": "\n".join(json.dumps(p) for p in pages).encode() + b"\n",
    }
    package = {
        "profile": "data-package",
        "wacz_version": "1.1.1",
        "title": title or page_url,
        "mainPageURL": page_url,
        "mainPageDate": _iso(page.fetched_at),
        "created": _iso(time.time()),
        "software": software,
        "resources": [
            {
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for path, data in files.items()
        ],
    }
    package_bytes = json.dumps(package, indent=2).encode()
    digest = {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
    }
    out = io.BytesIO()
    # Stored, not deflated: the WARC is gzipped already, and replay tools seek inside it.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr("datapackage.json", package_bytes)
        archive.writestr("datapackage-digest.json", json.dumps(digest).encode())
    return out.getvalue()
