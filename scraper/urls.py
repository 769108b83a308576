"""URL canonicalisation for the site: hosts, slashes, accessibility duplicates."""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from scraper.parsing.text import DOCUMENT_EXTENSIONS, IMAGE_EXTENSIONS
from scraper.sections import Section

CANONICAL_ORIGIN = "https://www.smoladmin.ru"
SITE_HOSTS = frozenset({"smoladmin.ru", "www.smoladmin.ru"})
ACCESSIBILITY_PARAMS = frozenset({"ssv", "svsize", "svspace", "svcolor"})
FILE_EXTENSIONS = (
    *DOCUMENT_EXTENSIONS,
    *IMAGE_EXTENSIONS,
    *(".bmp", ".svg", ".mp3", ".mp4", ".avi", ".mov", ".wmv", ".flv", ".txt", ".xml", ".sig"),
)
LOOPBACK_HOSTS = frozenset({"localhost", "::1"})
_PAGE_IN_PATH = re.compile(r"/page/(\d+)$")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def is_file_url(url: str) -> bool:
    """Whether the URL names a binary file rather than a page."""
    return urlsplit(url).path.lower().endswith(FILE_EXTENSIONS)


def normalize_netloc(netloc: str, scheme: str) -> str:
    """Lower-case the host, drop a trailing dot, credentials and the scheme's default port."""
    hostport = netloc.rsplit("@", 1)[-1].lower()
    host, _, port = hostport.rpartition(":") if not hostport.endswith("]") else (hostport, "", "")
    if not host:
        host, port = hostport, ""
    host = host.rstrip(".")
    default_port = {"http": "80", "https": "443"}.get(scheme)
    return host if not port or port == default_port else f"{host}:{port}"


def normalize_path(path: str) -> str:
    """Percent-encode the path consistently and drop trailing slashes."""
    path = quote(unquote(path or "/"), safe=_PATH_SAFE)
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/") or "/"


def normalize_query(query: str) -> str:
    """Drop accessibility and tracking parameters; sort what is left."""
    kept = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key.lower() not in ACCESSIBILITY_PARAMS and not key.lower().startswith("utm_")
    ]
    return urlencode(sorted(kept))


def is_loopback_url(url: str) -> bool:
    """Whether the URL points at this machine (a local test server or mirror)."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass(frozen=True)
class SiteUrls:
    """Maps links between the site's canonical identity and the origin actually fetched.

    Records always carry canonical URLs on the public origin, so a crawl of a mirror or a
    local test server archives the same identities as a crawl of the live site.
    """

    fetch_origin: str = CANONICAL_ORIGIN
    canonical_origin: str = CANONICAL_ORIGIN
    hosts: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.fetch_origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"site URL must be an http(s) URL, got {self.fetch_origin!r}")
        fetch_host = normalize_netloc(parts.netloc, parts.scheme)
        bare = fetch_host.removeprefix("www.")
        canonical_parts = urlsplit(self.canonical_origin)
        canonical_host = normalize_netloc(canonical_parts.netloc, canonical_parts.scheme)
        object.__setattr__(
            self,
            "hosts",
            SITE_HOSTS | {fetch_host, bare, f"www.{bare}", canonical_host},
        )
        object.__setattr__(self, "fetch_origin", f"{parts.scheme}://{parts.netloc}")

    @property
    def fetch_hostname(self) -> str:
        """The host name (no port) of the fetched origin."""
        return (urlsplit(self.fetch_origin).hostname or "").rstrip(".")

    def is_on_site(self, url: str) -> bool:
        """Whether an absolute URL belongs to the site (not a subdomain, not elsewhere)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        return normalize_netloc(parts.netloc, parts.scheme) in self.hosts

    def canonical(self, url: str, base: str | None = None) -> str | None:
        """Return the canonical form of a link, or None when it leads off the site."""
        absolute = urljoin(base, url.strip()) if base else url.strip()
        if not self.is_on_site(absolute):
            return None
        parts = urlsplit(absolute)
        return urlunsplit(
            (
                *urlsplit(self.canonical_origin)[:2],
                normalize_path(parts.path),
                normalize_query(parts.query),
                "",
            )
        )

    def to_fetch(self, url: str) -> str:
        """Return the URL to request for an on-site URL: same path, the fetched origin."""
        parts = urlsplit(url)
        origin = urlsplit(self.fetch_origin)
        path = re.sub(r"/{2,}", "/", quote(unquote(parts.path or "/"), safe=_PATH_SAFE))
        return urlunsplit((origin.scheme, origin.netloc, path, normalize_query(parts.query), ""))

    def listing_fetch_url(self, section: Section) -> str:
        """Return the URL to request for a section's first listing page."""
        return self.fetch_origin + section.path


def section_relative_path(canonical_url: str, section: Section) -> str | None:
    """Return the part of the URL's path below the section, or None outside it."""
    path = urlsplit(canonical_url).path
    prefix = section.path.rstrip("/")
    if path == prefix:
        return ""
    if path.startswith(prefix + "/"):
        return path[len(prefix) + 1 :]
    return None


def is_article_url(canonical_url: str, section: Section) -> bool:
    """Whether a canonical URL is an article page of the section."""
    rest = section_relative_path(canonical_url, section)
    if not rest or "/" in rest or rest == "page" or urlsplit(canonical_url).query:
        return False
    return not is_file_url(canonical_url)


def listing_page_number(canonical_url: str, section: Section) -> int | None:
    """Return N for a section listing page (1 for the plain listing), else None."""
    rest = section_relative_path(canonical_url, section)
    if rest is None:
        return None
    query = dict(parse_qsl(urlsplit(canonical_url).query))
    if rest == "":
        page = query.get("page", "1")
        return int(page) if page.isdigit() else None
    match = _PAGE_IN_PATH.fullmatch("/" + rest)
    return int(match.group(1)) if match and not query else None


def url_path(url: str) -> str:
    """The path of a URL ('/' when it has none)."""
    return urlsplit(url).path or "/"
