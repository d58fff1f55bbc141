"""A real HTTP server on loopback serving the pages the archiver is tested against.

Ports come from this branch's range (8100-8149); each test gets a fresh server, so the request
log and the flaky page's counter start empty.
"""

import http.server
import struct
import threading
import time
import zlib
from contextlib import contextmanager

PORTS = range(8100, 8150)


def tiny_png(rgb=(200, 30, 30)) -> bytes:
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00" + bytes(rgb) * 2
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()
PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>Prisoners executed near Popasna
</title></head><body><h1>Report</h1><p>An intercepted order.</p>
<img src="/img.png" alt="photo"><img src="missing.png" alt="gone">
<video poster="/img.png?poster"></video></body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def send(self, status, body=b"", content_type="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's name)
        server = self.server
        server.requests.append((self.path, dict(self.headers.items())))
        path = self.path
        if path == "/page":
            self.send(200, PAGE, headers=[("Set-Cookie", "session=secret; Path=/")])
        elif path.startswith("/img.png"):
            self.send(200, PNG, "image/png")
        elif path == "/scripted":
            # Requests only a browser makes (the fetcher runs no script): to a host name the
            # archiver never checked, and to an address it never checked.
            port = server.server_address[1]
            script = (
                f'fetch("http://localhost:{port}/secret-by-name");'
                f'new Image().src = "http://127.0.0.2:{port}/secret-by-address";'
            ).encode()
            self.send(
                200,
                b"<html><head><title>s</title></head><body><p>Scripted</p>"
                b"<script>" + script + b"</script></body></html>",
            )
        elif path == "/redirect":
            self.send(302, headers=[("Location", "/page")])
        elif path == "/loop":
            self.send(302, headers=[("Location", "/loop")])
        elif path == "/slow":
            time.sleep(3)
            self.send(200, PAGE)
        elif path == "/500":
            self.send(500, b"<html>broken</html>")
        elif path == "/flaky":
            server.flaky += 1
            if server.flaky == 1:
                self.send(503, b"<html>busy</html>")
            else:
                self.send(200, PAGE)
        elif path == "/big":
            self.send(200, b"<html>" + b"x" * (2 * 1024 * 1024) + b"</html>")
        elif path == "/big-stream":
            # No Content-Length: the size is only known by reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for _ in range(64):
                    self.wfile.write(b"y" * 32 * 1024)
            except OSError:
                pass  # the archiver hung up at its limit
        else:
            self.send(404, b"<html>not here</html>")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address):
        super().__init__(address, Handler)
        self.requests = []
        self.flaky = 0

    def handle_error(self, request, client_address):
        pass  # the archiver hanging up mid-answer is expected in these tests

    def url(self, path: str) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}{path}"


@contextmanager
def serve(host: str = "127.0.0.1"):
    """A running test server on the first free port of the range; shut down afterwards."""
    for port in PORTS:
        try:
            server = Server((host, port))
            break
        except OSError:
            continue
    else:
        raise RuntimeError("no free port in 8100-8149")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
