"""Measuring a file as its bytes go by: SHA-256, size and the head its type is read from."""

import hashlib
from dataclasses import dataclass

from sources.filetypes import HEAD_BYTES, detect_mime_type


@dataclass(frozen=True)
class Inspection:
    """What the server measured on a file: its SHA-256, size in bytes and detected type."""

    sha256: str
    size: int
    mime_type: str | None


class Measure:
    """Fed chunk by chunk, in order; ``result()`` once the last chunk has gone by."""

    def __init__(self):
        self._digest = hashlib.sha256()
        self._size = 0
        self._head = b""

    def update(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        self._size += len(chunk)
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[: HEAD_BYTES - len(self._head)]

    def result(self) -> Inspection:
        return Inspection(
            sha256=self._digest.hexdigest(),
            size=self._size,
            mime_type=detect_mime_type(self._head),
        )
