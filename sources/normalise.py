"""One spelling per address, so that the same page entered twice is recognised as a duplicate."""

from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Parameters that say how a reader arrived, not what they are reading.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_parameter(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def normalise_url(url: str) -> str:
    """The comparable form of ``url``.

    Lower-cases the scheme and host, drops a default port, tracking parameters (``utm_*``,
    ``fbclid``, ``gclid`` ...), the fragment and a trailing slash, and sorts the remaining query
    parameters. The path keeps its case: on most servers ``/Video`` and ``/video`` differ.
    An empty or blank address gives "".
    """
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    netloc = host
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: keep the address as written
        port = None
        netloc = parts.netloc.rpartition("@")[2].lower()
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path.rstrip("/")
    # Filter and sort the raw pairs rather than re-encoding them, so ``?single`` stays as it is.
    query = "&".join(
        sorted(
            pair
            for pair in parts.query.split("&")
            if pair and not is_tracking_parameter(unquote_plus(pair.partition("=")[0]))
        )
    )
    return urlunsplit((scheme, netloc, path, query, ""))
