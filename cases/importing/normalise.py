"""URL normalisation: two spellings of the same address become one source."""

from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Query parameters that only say where a click came from; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "si",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": "80", "https": "443"}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def normalise_url(url: str) -> str:
    """The canonical form of ``url`` used to decide whether two sources are the same.

    Lower-cases the scheme and host, drops a default port, tracking parameters (``utm_*``,
    ``fbclid``, ``gclid`` …), the fragment and a trailing slash on the path. Keeps the order of
    the remaining query parameters (some sites depend on it) and the case of the path (which is
    significant on most servers). Not a URL to show or follow: keep the original for that.

    >>> normalise_url("HTTPS://Example.org/a/?utm_source=x#frag")
    'https://example.org/a'
    """
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port is not None and DEFAULT_PORTS.get(scheme) != str(parts.port):
        host = f"{host}:{parts.port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    path = parts.path.rstrip("/")
    # Filter the raw pairs rather than re-encoding them, so ``?single`` stays ``?single``.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(unquote_plus(pair.partition("=")[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))
