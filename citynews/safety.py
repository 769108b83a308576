"""What the command line shows and accepts: no credentials out, pasted article URLs in."""

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from scraper.urls import CANONICAL_ORIGIN, SiteUrls

_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"]+@")
_HOST_CREDENTIALS = re.compile(r"[^/\s@'\":]+:[^/\s@'\"]*@(?=[\w\[])")


def hide_credentials(text: str) -> str:
    """The text with user names and passwords removed from every URL (or user:pw@host) in it."""
    return _HOST_CREDENTIALS.sub("", _URL_CREDENTIALS.sub(r"\g<scheme>", text))


def split_credentials(url: str) -> tuple[str, list[tuple[str, str]]]:
    """A site URL without user and password, and Scrapy's HTTP auth settings carrying them."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, []
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, [
        ("HTTPAUTH_USER", unquote(parts.username or "")),
        ("HTTPAUTH_PASS", unquote(parts.password or "")),
        ("HTTPAUTH_DOMAIN", host),
    ]


def pasted_article_url(text: str) -> str | None:
    """The canonical URL of what people paste for a page of the site, or None.

    Accepted: a URL of the site or of a mirror (any host: only the path counts), the same
    without its scheme (`www.smoladmin.ru/press-centr/...`), or a bare path.
    """
    text = text.strip()
    if not text:
        return None
    if "://" not in text:
        first_segment = text.split("/", 1)[0]
        looks_like_host = "." in first_segment or ":" in first_segment
        text = f"http://{text}" if looks_like_host else "http://site/" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a malformed host or port raises here
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    query = f"?{parts.query}" if parts.query else ""
    return SiteUrls().canonical(f"{CANONICAL_ORIGIN}{parts.path or '/'}{query}")
