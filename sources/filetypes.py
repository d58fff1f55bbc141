"""Which kinds of file we keep as evidence, recognised from their first bytes, not their names."""

import zlib

import filetype

# How many leading bytes the checks below look at.
HEAD_BYTES = 8192

# Binary kinds recognised by the `filetype` package that we accept: video, audio, images, PDF.
ALLOWED_PREFIXES = ("video/", "audio/", "image/")
ALLOWED_EXACT = {"application/pdf"}

HTML = "text/html"
TEXT = "text/plain"
WARC = "application/warc"
# A gzip-compressed WARC (.warc.gz), the usual output of web archivers.
WARC_GZIP = "application/gzip"

ALLOWED_DESCRIPTION = "video, audio, image, PDF, plain text, HTML or WARC"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut in two by the end of the sample is still text.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def _is_warc(head: bytes) -> bool:
    return head.startswith(b"WARC/")


def _is_gzipped_warc(head: bytes) -> bool:
    if not head.startswith(b"\x1f\x8b"):
        return False
    try:
        inflated = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
    except zlib.error:
        return False
    return _is_warc(inflated)


def _is_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024].lower()
    return start.startswith((b"<!doctype html", b"<html")) or (
        start.startswith(b"<") and b"<html" in start
    )


def detect_mime_type(head: bytes) -> str | None:
    """The MIME type of a file from its first bytes, or None when it is not a kind we accept."""
    if _is_warc(head):
        return WARC
    if _is_gzipped_warc(head):
        return WARC_GZIP
    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        return mime if mime.startswith(ALLOWED_PREFIXES) or mime in ALLOWED_EXACT else None
    if head and _is_text(head):
        return HTML if _is_html(head) else TEXT
    return None
