"""issue 17: a local RFC 3161 time-stamping authority on loopback for the tests.

``tsa`` makes a test CA and TSA certificate in the test's folder (tools/dev_tsa.py), serves
``openssl ts -reply`` on a port of this branch's range (8410-8449, ten per xdist worker), and
points TSA_URL / TSA_CA_FILE at it. Loaded as a plugin (``-p tests.ledger_fixtures`` in
pyproject's addopts).
"""

import os
import shutil
import subprocess

import pytest

from tools import dev_tsa

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture
def tsa(settings, tmp_path):
    directory = dev_tsa.make_authority(tmp_path / "tsa")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base = 8410 + (int(worker[2:] or 0) % 4) * 10
    server = None
    for port in range(base, base + 10):
        try:
            server = dev_tsa.serve(directory, port)
            break
        except OSError:
            continue
    assert server is not None, "no free port for the test TSA"
    settings.TSA_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    settings.TSA_CA_FILE = str(directory / "ca.pem")
    yield directory
    server.shutdown()
    server.server_close()


def openssl_verify(*args: str) -> subprocess.CompletedProcess:
    """``openssl ts -verify ARGS``, as an outsider would run it."""
    return subprocess.run(
        ["openssl", "ts", "-verify", *args], capture_output=True, text=True, check=False
    )
