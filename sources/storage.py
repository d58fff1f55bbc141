"""Reading kept files back from where they are stored: the local folder or an S3 bucket.

The FileField (``SourceFile.file``) goes through Django's default storage, which settings make
an ``S3Storage`` when ``S3_BUCKET`` is set (docs/decisions/0020-object-storage.md). Two things
need more than Django's storage API gives:

- reading a large object as a stream (``S3Storage.open`` first downloads the whole object);
- a short-lived signed address that makes the browser download the object as an attachment of
  the type we detected, whatever the object's own metadata says.
"""

from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

CHUNK = 1024 * 1024
_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}


def in_bucket(field_file) -> bool:
    """Whether this file is kept in an S3 bucket (rather than the local folder)."""
    return isinstance(field_file.storage, S3Storage)


def _key(storage: S3Storage, name: str) -> str:
    # The object key django-storages itself uses for ``name`` (its location prefix, if any).
    return storage._normalize_name(clean_name(name))


def is_stored(field_file) -> bool:
    """Whether the stored file is there (one HEAD request for a bucket); ``OSError`` when the
    bucket cannot be asked."""
    try:
        return field_file.storage.exists(field_file.name)
    except (ClientError, BotoCoreError) as error:
        raise OSError(f"The bucket could not be asked for {field_file.name!r}: {error}") from error


def read_chunks(field_file, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The stored bytes, ``chunk_size`` at a time, straight from the disk or the bucket.

    Raises ``FileNotFoundError`` when nothing is stored under the name and ``OSError`` when the
    bucket cannot be read, as the local folder would."""
    storage = field_file.storage
    if not isinstance(storage, S3Storage):
        with storage.open(field_file.name, "rb") as stored:
            yield from stored.chunks(chunk_size)
        return
    client = storage.connection.meta.client
    try:
        body = client.get_object(Bucket=storage.bucket_name, Key=_key(storage, field_file.name))[
            "Body"
        ]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _NOT_FOUND:
            raise FileNotFoundError(f"No object {field_file.name!r} in the bucket.") from error
        raise OSError(f"The bucket refused to read {field_file.name!r}: {error}") from error
    except BotoCoreError as error:
        raise OSError(f"The bucket could not be reached: {error}") from error
    try:
        yield from body.iter_chunks(chunk_size)
    except BotoCoreError as error:
        raise OSError(f"Reading {field_file.name!r} from the bucket failed: {error}") from error
    finally:
        body.close()


def signed_download_url(source_file) -> str:
    """A signed address of the object, valid ``S3_SIGNED_URL_SECONDS`` (the storage's
    ``querystring_expire``, config/settings.py), that downloads it as an
    attachment named and typed as we recorded it. Only for a file ``in_bucket``; hand it out
    only after the download gate, as a redirect, never in a page."""
    field_file = source_file.file
    return field_file.storage.url(
        field_file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(
                as_attachment=True, filename=source_file.original_name
            ),
            "ResponseContentType": source_file.mime_type,
        },
    )
