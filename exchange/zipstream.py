"""A ZIP written straight into an HTTP response, never held whole in memory or on disk.

``zipfile`` writes to a non-seekable sink (it then uses data descriptors and ZIP64 where
needed); each member is copied in 1 MiB chunks and the bytes written so far are handed out after
every chunk. Each member's SHA-256 is computed on the way for ``SHA256SUMS``.
"""

import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator

from sources.storage import read_chunks

CHUNK = 1024 * 1024


class _Sink(io.RawIOBase):
    """A write-only, non-seekable buffer drained by the generator."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._written = 0

    def writable(self):
        return True

    def write(self, data):
        self._chunks.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self):  # zipfile asks where it is; a sink only knows how much it wrote
        return self._written

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


class ZipStream:
    """``for chunk in ZipStream().generate(members)``: members are (name, chunks, compress)."""

    def __init__(self, *, date_time: tuple[int, int, int, int, int, int]):
        self.sums: list[tuple[str, str]] = []
        self.date_time = date_time

    def generate(self, members: Iterable[tuple[str, Iterable[bytes], bool]]) -> Iterator[bytes]:
        sink = _Sink()
        with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
            for name, chunks, compress in members:
                info = zipfile.ZipInfo(name, date_time=self.date_time)
                info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
                info.external_attr = 0o644 << 16
                digest = hashlib.sha256()
                with archive.open(info, "w", force_zip64=True) as member:
                    for chunk in chunks:
                        member.write(chunk)
                        digest.update(chunk)
                        if written := sink.take():
                            yield written
                self.sums.append((name, digest.hexdigest()))
                if written := sink.take():
                    yield written
        yield sink.take()


def file_chunks(field_file) -> Iterator[bytes]:
    """A stored file's bytes, 1 MiB at a time, from the local folder or streamed from the
    bucket (issue 22: never downloaded whole first)."""
    return read_chunks(field_file, CHUNK)
