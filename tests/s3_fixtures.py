"""A real S3 API on loopback for the object-storage tests (issue 22): moto's server mode.

``s3_server`` starts moto's ``ThreadedMotoServer`` once per test process on 127.0.0.1 (port
``S3_TEST_PORT`` plus the xdist worker's number when that variable is set, else a free port the
system picks). ``s3_bucket`` gives each test an empty bucket of its own and points the evidence
storage at it with the same options production uses (``config.settings.s3_storage``).

moto checks neither signatures nor expiry of signed URLs; ``signature_is_valid`` recomputes a
signed URL's SigV4 signature with botocore, so a test can show what a real S3 checks: who signed
it, when, and for how long (the expiry is part of what is signed).
"""

import os
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import boto3
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from config.settings import s3_storage

ACCESS_KEY = "tests-access-key"
SECRET_KEY = "tests-secret-key"
REGION = "us-east-1"


def _port() -> int:
    base = os.environ.get("S3_TEST_PORT", "").strip()
    if not base:
        return 0
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return int(base) + (int(worker) if worker.isdigit() else 0)


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of moto's S3 server, running for the whole test session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: object

    def object_keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3_bucket(s3_server, settings):
    """An empty bucket of this test's own; evidence files and captures are stored in it."""
    name = f"evidence-{uuid.uuid4().hex[:16]}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=name)
    settings.S3_BUCKET = name
    settings.S3_SIGNED_URL_SECONDS = 60
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket=name,
            endpoint_url=s3_server,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            region=REGION,
            signed_url_seconds=60,
        ),
    }
    bucket = Bucket(name=name, endpoint=s3_server, client=client)
    yield bucket
    for key in bucket.object_keys():
        bucket.delete(key)
    client.delete_bucket(Bucket=name)


def signature_is_valid(url: str, *, secret_key: str = SECRET_KEY) -> bool:
    """Whether ``url``'s SigV4 query signature is the one ``secret_key`` makes for exactly
    these parameters (bucket, key, response headers, date and expiry)."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    unsigned = "&".join(p for p in parts.query.split("&") if not p.startswith("X-Amz-Signature="))
    request = AWSRequest(method="GET", url=urlunsplit(parts._replace(query=unsigned)), headers={})
    request.context["timestamp"] = params["X-Amz-Date"]
    key_id, _date, region, service, _end = params["X-Amz-Credential"].split("/")
    auth = S3SigV4QueryAuth(
        Credentials(key_id, secret_key), service, region, expires=int(params["X-Amz-Expires"])
    )
    string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
    return auth.signature(string_to_sign, request) == params["X-Amz-Signature"]
