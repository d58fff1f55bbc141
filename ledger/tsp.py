"""An RFC 3161 time-stamping client and token verifier (asn1crypto for the ASN.1, cryptography
for the signatures). Knows nothing of the tracker: it stamps and checks SHA-256 digests.

A stored token is the TSA's whole ``TimeStampResp`` (DER), so anyone can check it with
``openssl ts -verify -digest <sha256> -in token.tsr -CAfile tsa-ca.pem``.
"""

import hashlib
import secrets
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class TimestampError(Exception):
    """The TSA could not be reached, refused, or its answer does not check out."""


@dataclass(frozen=True)
class Stamp:
    response: bytes  # the DER TimeStampResp, as received
    gen_time: datetime
    tsa_name: str


def request(*, url: str, sha256_hex: str, timeout: float = 20) -> Stamp:
    """Ask the TSA at ``url`` to timestamp a SHA-256 digest; return the checked response."""
    digest = bytes.fromhex(sha256_hex)
    nonce = secrets.randbits(63)
    query = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()
    http = urllib.request.Request(
        url, data=query, headers={"Content-Type": "application/timestamp-query"}
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310 - a setting
            body = answer.read(1024 * 1024)
    except OSError as error:
        raise TimestampError(f"The time-stamping authority did not answer: {error}") from error
    stamp = verify(response=body, sha256_hex=sha256_hex, ca_certs=None)
    token_nonce = _tst_info(tsp.TimeStampResp.load(body))["nonce"].native
    if token_nonce != nonce:
        raise TimestampError("The timestamp answers another request (nonce differs).")
    return stamp


def _tst_info(response: tsp.TimeStampResp):
    return response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed


def verify(*, response: bytes, sha256_hex: str, ca_certs: list[x509.Certificate] | None) -> Stamp:
    """Check a stored TimeStampResp: granted, stamps ``sha256_hex``, signed by a certificate
    for time-stamping whose signature checks out, and (given ``ca_certs``) issued by one of them
    and valid at the stamped time. Raises ``TimestampError`` saying what failed."""
    try:
        parsed = tsp.TimeStampResp.load(response)
        status = parsed["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise TimestampError(f"The time-stamping authority refused: {status}.")
        signed_data = parsed["time_stamp_token"]["content"]
        encap = signed_data["encap_content_info"]
        tst_info = encap["content"].parsed
        imprint = tst_info["message_imprint"]
        gen_time = tst_info["gen_time"].native
    except (ValueError, TypeError, KeyError) as error:
        raise TimestampError(f"Not a readable RFC 3161 response: {error}") from error
    if imprint["hash_algorithm"]["algorithm"].native != "sha256" or imprint[
        "hashed_message"
    ].native != bytes.fromhex(sha256_hex):
        raise TimestampError("The timestamp is for other data (its SHA-256 differs).")
    signer_info = signed_data["signer_infos"][0]
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in HASHES:
        raise TimestampError(f"Unsupported digest {digest_name}.")
    content = encap["content"].contents
    attrs = signer_info["signed_attrs"]
    digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    if digests != [hashlib.new(digest_name, content).digest()]:
        raise TimestampError("The token's signed digest does not match its content.")
    certs = [
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in signed_data["certificates"] or []
        if c.name == "certificate"
    ]
    sid = signer_info["sid"]
    serial = sid.chosen["serial_number"].native if sid.name == "issuer_and_serial_number" else None
    signer = next((c for c in certs if serial is None or c.serial_number == serial), None)
    if signer is None:
        raise TimestampError("The token does not carry its signer's certificate.")
    signed_bytes = b"\x31" + attrs.dump()[1:]  # the attributes as a SET, as signed
    _check_signature(signer, signer_info["signature"].native, signed_bytes, digest_name)
    try:
        usages = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = []
    if ExtendedKeyUsageOID.TIME_STAMPING not in usages:
        raise TimestampError("The signer's certificate is not for time-stamping.")
    if ca_certs is not None:
        _check_chain(signer, certs, ca_certs, gen_time)
    return Stamp(response=response, gen_time=gen_time, tsa_name=_readable(signer.subject))


def _readable(name: x509.Name) -> str:
    """ "Organisation (common name)" for people; the full distinguished name otherwise."""
    parts = [
        attribute.value
        for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME)
        for attribute in name.get_attributes_for_oid(oid)
    ]
    if not parts:
        return name.rfc4514_string()
    return parts[0] if len(parts) == 1 else f"{parts[0]} ({', '.join(parts[1:])})"


def _check_signature(cert: x509.Certificate, signature: bytes, data: bytes, digest_name: str):
    key = cert.public_key()
    algorithm = HASHES[digest_name]()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise TimestampError("Unsupported signature key.")
    except InvalidSignature as error:
        raise TimestampError("The token's signature does not verify.") from error


def _check_chain(signer, carried, trusted, at: datetime) -> None:
    current = signer
    for _ in range(5):
        if not current.not_valid_before_utc <= at <= current.not_valid_after_utc:
            raise TimestampError("A certificate was not valid at the stamped time.")
        for anchor in trusted:
            if current == anchor:
                return
            try:
                current.verify_directly_issued_by(anchor)
                return
            except (ValueError, TypeError, InvalidSignature):
                continue
        issuer = next((c for c in carried if c.subject == current.issuer and c != current), None)
        if issuer is None:
            break
        current.verify_directly_issued_by(issuer)
        current = issuer
    raise TimestampError("The TSA's certificate does not chain to TSA_CA_FILE.")


def load_ca_file(path: str) -> list[x509.Certificate] | None:
    if not path:
        return None
    with open(path, "rb") as pem:
        return x509.load_pem_x509_certificates(pem.read())
