"""The media a page embeds directly: img, video, audio, source (src, srcset, poster)."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

TAGS = {"img", "video", "audio", "source", "track"}


class _MediaParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "base" and attrs.get("href") and not self.base:
            self.base = attrs["href"]
        if tag not in TAGS:
            return
        for name in ("src", "poster"):
            if attrs.get(name):
                self.found.append(attrs[name])
        for candidate in (attrs.get("srcset") or "").split(","):
            url = candidate.strip().split(" ")[0]
            if url:
                self.found.append(url)


def embedded_media(html: bytes, page_url: str, *, limit: int = 50) -> list[str]:
    """Absolute http(s) URLs of the media ``html`` embeds, in page order, each once."""
    parser = _MediaParser()
    parser.feed(html.decode("utf-8", errors="replace"))
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    urls = []
    for raw in parser.found:
        url = urljoin(base, raw.strip()).split("#")[0]
        if urlsplit(url).scheme in ("http", "https") and url not in urls:
            urls.append(url)
        if len(urls) >= limit:
            break
    return urls
