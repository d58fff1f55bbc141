"""The log's Ed25519 key (``LEDGER_SIGNING_KEY``) and the bytes a tree head signature covers.

Without a configured key (development, tests) a key is made once and kept in
``LEDGER_DEV_KEY_FILE``; ``check --deploy`` refuses that (ledger.E001).
"""

import base64
import hashlib
import os
import struct
from functools import cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def tree_head_message(*, timestamp_ms: int, tree_size: int, root: bytes) -> bytes:
    """RFC 6962 TreeHeadSignature: version v1 (0), signature_type tree_hash (1), uint64
    timestamp, uint64 tree_size, the 32-byte root."""
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root


@cache
def private_key() -> Ed25519PrivateKey:
    raw = settings.LEDGER_SIGNING_KEY
    if not raw:
        raw = _dev_key()
    try:
        seed = base64.b64decode(raw, validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError as error:
        raise ImproperlyConfigured(
            "LEDGER_SIGNING_KEY must be the base64 of a 32-byte Ed25519 private key "
            "(make one with `python manage.py ledger_key`)."
        ) from error


def public_key_bytes() -> bytes:
    return private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_pem() -> str:
    return (
        private_key()
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id() -> str:
    """SHA-256 of the raw public key, in hex: what a verifier pins."""
    return hashlib.sha256(public_key_bytes()).hexdigest()


def sign(message: bytes) -> bytes:
    return private_key().sign(message)


def new_key() -> str:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    return base64.b64encode(
        key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    ).decode()


def _dev_key() -> str:
    path = settings.LEDGER_DEV_KEY_FILE
    try:
        with open(path, encoding="ascii") as kept:
            return kept.read().strip()
    except FileNotFoundError:
        pass
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        with open(path, encoding="ascii") as kept:
            return kept.read().strip()
    with os.fdopen(fd, "w", encoding="ascii") as kept:
        kept.write(key + "\n")
    return key
