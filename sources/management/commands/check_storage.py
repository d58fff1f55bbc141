"""Check that evidence can be kept where the settings say: write, read back, hash, delete.

With ``S3_BUCKET`` set, also that neither the bucket nor a new object is readable by everyone;
``--create-bucket`` makes the bucket first when it does not exist (the S3 stand-in of
``make cluster``; a production bucket is made, private, by whoever runs the storage).
docs/decisions/0020-object-storage.md.
"""

import hashlib
import secrets

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from storages.backends.s3 import S3Storage

from sources.storage import read_chunks

# Grantees that make an object or a bucket readable by anyone.
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


class _Stored:
    """The bit of a FieldFile that ``read_chunks`` needs."""

    def __init__(self, storage, name):
        self.storage, self.name = storage, name


class Command(BaseCommand):
    help = (
        "Write a probe file to the evidence storage, read it back and compare its SHA-256, "
        "check that nothing there is public (S3), and delete it. Exits non-zero on a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-bucket",
            action="store_true",
            help="Create the S3 bucket first if it does not exist (private).",
        )

    def handle(self, *args, **options):
        storage = storages["default"]
        in_bucket = isinstance(storage, S3Storage)
        try:
            if in_bucket:
                s3 = storage.connection.meta.client
                if options["create_bucket"]:
                    self._create_bucket(s3, storage.bucket_name, storage.region_name)
                self._check_private(s3.get_bucket_acl(Bucket=storage.bucket_name), "the bucket")
            data = b"case-tracker storage check " + secrets.token_bytes(32)
            name = storage.save(f"checks/{secrets.token_hex(8)}.bin", ContentFile(data))
            try:
                digest = hashlib.sha256()
                for chunk in read_chunks(_Stored(storage, name)):
                    digest.update(chunk)
                if digest.hexdigest() != hashlib.sha256(data).hexdigest():
                    raise CommandError(f"{name} read back with another SHA-256.")
                if in_bucket:
                    acl = s3.get_object_acl(Bucket=storage.bucket_name, Key=name)
                    self._check_private(acl, "a new object")
            finally:
                storage.delete(name)
        except (ClientError, BotoCoreError, OSError) as error:
            raise CommandError(f"The evidence storage failed the check: {error}") from error
        where = f"bucket {storage.bucket_name}" if in_bucket else f"folder {storage.location}"
        self.stdout.write(self.style.SUCCESS(f"Evidence storage OK: {where}."))

    def _create_bucket(self, s3, bucket: str, region: str | None) -> None:
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                raise
            where = {}
            if region and region != "us-east-1":  # the one region that takes no constraint
                where = {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=bucket, **where)
            self.stdout.write(f"Created bucket {bucket}.")

    def _check_private(self, acl: dict, what: str) -> None:
        for grant in acl.get("Grants", []):
            if grant.get("Grantee", {}).get("URI") in PUBLIC_GRANTEES:
                raise CommandError(
                    f"{what.capitalize()} is readable by {grant['Grantee']['URI']}: evidence "
                    "must never be public. Remove that grant."
                )
