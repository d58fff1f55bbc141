"""A fetcher for pages people cite, safe to point at any URL a researcher typed.

- http and https only, no user name or password in the URL, no cookies or credentials sent;
- the host is resolved once, every address it has is checked, and the connection goes to the
  address that was checked (no second lookup an attacker's DNS could answer differently);
- private, loopback, link-local, shared (CGNAT), multicast, reserved and unspecified addresses
  are refused at every hop, IPv4-mapped IPv6 included (``allow_loopback`` admits 127.0.0.0/8 and
  ::1 only, for tests and for a demo served on this machine);
- redirects are followed up to a limit, each hop checked again;
- a time limit on the whole fetch and a size limit on the body.

Each hop is returned with what was sent and what came back, for the WARC.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that failed. ``code`` names the kind (for filters and people), ``passing`` says
    whether trying again later may succeed."""

    def __init__(self, code: str, message: str, *, passing: bool = False):
        super().__init__(message)
        self.code = code
        self.passing = passing


@dataclass
class Limits:
    user_agent: str
    timeout: float = 20.0
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    allow_loopback: bool = False


@dataclass
class Hop:
    """One request and its response."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    body: bytes
    address: str
    fetched_at: float = field(default_factory=time.time)

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.split(";")[0].strip().lower()
        return ""


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool):
    """Why ``ip`` may not be fetched, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified or ip.is_reserved:
        return "a reserved address"
    if ip.is_link_local:
        return "a link-local address"
    if not ip.is_global:
        # private ranges, 100.64.0.0/10 (shared/CGNAT), documentation and benchmark ranges ...
        return "a private address"
    return None


def check_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of ``url``, or FetchError("refused") for what we never fetch."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError("refused", f"Not a valid URL: {url}") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError("refused", f"Only http and https addresses are fetched, not {url}")
    if parts.username or parts.password:
        raise FetchError("refused", "Addresses with a user name or password are not fetched.")
    if not parts.hostname:
        raise FetchError("refused", f"No host in {url}")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int, *, allow_loopback: bool) -> str:
    """The address to connect to: every address of ``host`` must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(
            "dns", f"The host {host} could not be found ({error}).", passing=True
        ) from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        refusal = address_refusal(ip, allow_loopback=allow_loopback)
        if refusal:
            raise FetchError("refused", f"{host} is {refusal} ({ip}): not fetched.")
        addresses.append(str(ip))
    if not addresses:
        raise FetchError("dns", f"The host {host} has no address.", passing=True)
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch_one(url: str, limits: Limits, *, deadline: float, referer: str = "") -> Hop:
    """One GET, no redirects followed."""
    scheme, host, port = check_url(url)
    address = resolve(host, port, allow_loopback=limits.allow_loopback)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError("timeout", "The time limit was reached.", passing=True)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=remaining)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [
        ("User-Agent", limits.user_agent),
        ("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
        # Bytes as the server keeps them: nothing to decompress, nothing to bomb us with.
        ("Accept-Encoding", "identity"),
    ]
    if referer:
        headers.append(("Referer", referer))
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limits.max_bytes:
            raise FetchError(
                "too_large",
                f"The page is {int(length)} bytes; the limit is {limits.max_bytes}.",
            )
        body = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise FetchError("timeout", "The time limit was reached.", passing=True)
            chunk = response.read(CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > limits.max_bytes:
                raise FetchError(
                    "too_large", f"The page is larger than the limit of {limits.max_bytes} bytes."
                )
        sent_host = host if port in (80, 443) else f"{host}:{port}"
        return Hop(
            url=url,
            method="GET",
            request_headers=[("Host", sent_host), *headers],
            status=response.status,
            reason=response.reason,
            http_version="HTTP/1.1" if response.version == 11 else "HTTP/1.0",
            headers=list(response.getheaders()),
            body=bytes(body),
            address=address,
        )
    except TimeoutError:
        raise FetchError("timeout", "The server did not answer in time.", passing=True) from None
    except ssl.SSLError as error:
        raise FetchError("tls", f"The secure connection failed ({error.reason}).") from None
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(
            "network", f"The connection failed ({type(error).__name__}: {error}).", passing=True
        ) from None
    finally:
        connection.close()


def fetch(url: str, limits: Limits, *, deadline: float | None = None) -> list[Hop]:
    """GET ``url`` following redirects: every hop, the last one the page (any status)."""
    deadline = deadline or time.monotonic() + limits.timeout
    hops = []
    current = url
    for _ in range(limits.max_redirects + 1):
        hop = fetch_one(current, limits, deadline=deadline)
        hops.append(hop)
        location = {k.lower(): v for k, v in hop.headers}.get("location")
        if hop.status not in REDIRECTS or not location:
            return hops
        current = urljoin(current, location)
    raise FetchError(
        "redirects", f"More than {limits.max_redirects} redirects, the last to {current}."
    )
