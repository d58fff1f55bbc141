"""Upload handlers that measure an evidence file while Django writes it (issue 22).

Django receives an upload in chunks and writes them to memory (small files) or to a temporary
file. These handlers, Django's own two with a ``Measure`` beside them (settings
``FILE_UPLOAD_HANDLERS``), hash each chunk as it is written and hang the result on the uploaded
file as ``inspection``. ``sources.services.inspect_upload`` takes it from there, so a
multi-gigabyte video is read once more only to be stored (on disk or in the bucket), never to be
hashed. Files that did not come through a request (the demo data, the tests) are hashed by
reading them, as before.
"""

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

from sources.hashing import Measure

# The attribute of an uploaded file that carries what was measured on the way in.
ATTRIBUTE = "inspection"


class _Measuring:
    def new_file(self, *args, **kwargs):
        # Before Django's: the memory handler's new_file ends by raising StopFutureHandlers.
        self.measure = Measure()
        super().new_file(*args, **kwargs)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            setattr(uploaded, ATTRIBUTE, self.measure.result())
        return uploaded


class HashingMemoryFileUploadHandler(_Measuring, MemoryFileUploadHandler):
    """Small uploads, kept in memory; measured only when this handler is the one keeping them."""

    def receive_data_chunk(self, raw_data, start):
        if self.activated:
            self.measure.update(raw_data)
        return super().receive_data_chunk(raw_data, start)


class HashingTemporaryFileUploadHandler(_Measuring, TemporaryFileUploadHandler):
    """Larger uploads, written to a temporary file and measured chunk by chunk as they are."""

    def receive_data_chunk(self, raw_data, start):
        self.measure.update(raw_data)
        return super().receive_data_chunk(raw_data, start)
