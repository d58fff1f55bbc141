"""A throwaway RFC 3161 time-stamping authority on loopback, for tests and the demo.

Makes a test CA and a TSA certificate (extended key usage: time stamping, critical) with
``cryptography``, and answers each request with ``openssl ts -reply``. Never for real evidence:
its CA is made on the spot and trusted by nobody.

    python tools/dev_tsa.py --port 8401 --dir /tmp/dev-tsa
    # then TSA_URL=http://127.0.0.1:8401/ TSA_CA_FILE=/tmp/dev-tsa/ca.pem
"""

import argparse
import datetime as dt
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CONFIG = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.4146.2.3
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Case tracker test TSA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_authority(directory: Path) -> Path:
    """Write ca.pem, tsa.pem, tsa.key, serial and openssl.cnf into ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test CA"))
        .issuer_name(_name("Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name("Test time-stamping unit"))
        .issuer_name(ca.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "tsa.pem").write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    (directory / "tsa.key").write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "serial").write_text("01\n")
    (directory / "openssl.cnf").write_text(CONFIG.format(dir=directory))
    return directory


def _handler(directory: Path):
    lock = threading.Lock()  # openssl updates the serial file

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with tempfile.TemporaryDirectory() as work, lock:
                (Path(work) / "q.tsq").write_bytes(query)
                done = subprocess.run(
                    [
                        "openssl", "ts", "-reply",
                        "-config", str(directory / "openssl.cnf"),
                        "-queryfile", str(Path(work) / "q.tsq"),
                        "-out", str(Path(work) / "r.tsr"),
                    ],
                    capture_output=True,
                    check=False,
                )  # fmt: skip
                reply = (Path(work) / "r.tsr").read_bytes() if done.returncode == 0 else b""
            if not reply:
                self.send_error(500, "openssl ts -reply failed")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    return Handler


def serve(directory: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start the TSA in a background thread; call ``.shutdown()`` on the result to stop it."""
    server = ThreadingHTTPServer((host, port), _handler(directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--dir", type=Path, required=True)
    options = parser.parse_args()
    directory = options.dir.resolve()
    if not (directory / "openssl.cnf").exists():
        make_authority(directory)
    server = ThreadingHTTPServer(("127.0.0.1", options.port), _handler(directory))
    print(f"TSA_URL=http://127.0.0.1:{options.port}/ TSA_CA_FILE={directory / 'ca.pem'}")
    server.serve_forever()


if __name__ == "__main__":
    main()
