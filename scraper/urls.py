"""URL canonicalisation for the site: w3lib's canonical form plus the site's own rules.

w3lib.url.canonicalize_url does the generic work (percent-encoding, sorted query, no fragment,
dot segments). The rules here are the site's: its host aliases (with or without www, trailing
dot, any scheme) are one origin, accessibility renderings (ssv, svSize, svSpace, svColor, any
case) and utm_* parameters name the same page, and a trailing or repeated slash changes nothing.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit

from w3lib.url import canonicalize_url

from scraper.parsing.file_links import DOCUMENT_EXTENSIONS, IMAGE_EXTENSIONS
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
OFFSITE_REDIRECT = "redirected to another host"  # how such a failed fetch's reason starts
ROBOTS_UNAVAILABLE = "robots.txt unavailable"  # how a crawl's close reason says so
ROBOTS_NO_ANSWER = "no answer"  # ... when the site did not answer at all
_PAGE_IN_PATH = re.compile(r"/page/(\d+)$")
_REPEATED_SLASHES = re.compile(r"/{2,}")


def is_file_url(url: str) -> bool:
    """Whether the URL names a binary file rather than a page."""
    return urlsplit(url).path.lower().endswith(FILE_EXTENSIONS)


@lru_cache(maxsize=1024)
def normalize_netloc(netloc: str, scheme: str) -> str:
    """Lower-case the host, drop a trailing dot, credentials and the scheme's default port."""
    hostport = netloc.rsplit("@", 1)[-1].lower()
    host, _, port = hostport.rpartition(":") if not hostport.endswith("]") else (hostport, "", "")
    if not host:
        host, port = hostport, ""
    host = host.rstrip(".")
    default_port = {"http": "80", "https": "443"}.get(scheme)
    return host if not port or port == default_port else f"{host}:{port}"


def is_site_param(key: str) -> bool:
    """Whether a query key only changes the page's chrome or tracking (any letter case)."""
    key = key.lower()
    return key in ACCESSIBILITY_PARAMS or key.startswith("utm_")


def without_site_params(query: str) -> str:
    """Drop accessibility and tracking parameters from an already canonical query string."""
    return "&".join(
        pair for pair in query.split("&") if pair and not is_site_param(pair.partition("=")[0])
    )


def canonical_parts(url: str) -> tuple[str, str, str, str]:
    """Scheme, host, path and query of w3lib's canonical form, with the site's rules applied.

    The path has repeated slashes collapsed; the query has no accessibility or tracking keys.
    """
    canonical = canonicalize_url(url)
    scheme, _, rest = canonical.partition("://")
    path_start = rest.find("/")
    if path_start < 0:  # not a hierarchical URL, such as mailto:
        return scheme, rest, "", ""
    path, _, query = rest[path_start:].partition("?")
    if "//" in path:
        path = _REPEATED_SLASHES.sub("/", path)
    return scheme, rest[:path_start], path, without_site_params(query) if query else ""


def is_loopback_url(url: str) -> bool:
    """Whether the URL points at this machine (a local test server or mirror)."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def _origin(url: str) -> str:
    """The scheme and network location of a URL, as written."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class SiteUrls:
    """Maps links between the site's canonical identity and the origin actually fetched.

    Records always carry canonical URLs on the public origin, so a crawl of a mirror or a
    local test server archives the same identities as a crawl of the live site.
    """

    fetch_origin: str = CANONICAL_ORIGIN
    canonical_origin: str = CANONICAL_ORIGIN
    hosts: frozenset[str] = field(init=False)
    fetch_hostname: str = field(init=False, repr=False, compare=False)
    fetch_site: str = field(init=False, repr=False, compare=False)
    _canonical_prefix: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.fetch_origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"site URL must be an http(s) URL, got {self.fetch_origin!r}")
        fetch_host = normalize_netloc(parts.netloc, parts.scheme)
        bare = fetch_host.removeprefix("www.")
        canonical_parts = urlsplit(self.canonical_origin)
        canonical_host = normalize_netloc(canonical_parts.netloc, canonical_parts.scheme)
        hosts = SITE_HOSTS | {fetch_host, bare, f"www.{bare}", canonical_host}
        object.__setattr__(self, "hosts", hosts)
        object.__setattr__(self, "fetch_origin", _origin(self.fetch_origin))
        object.__setattr__(self, "fetch_hostname", (parts.hostname or "").rstrip("."))
        object.__setattr__(self, "fetch_site", bare)
        object.__setattr__(self, "_canonical_prefix", _origin(self.canonical_origin))

    def is_on_site(self, url: str) -> bool:
        """Whether an absolute URL belongs to the site (not a subdomain, not elsewhere)."""
        try:
            parts = urlsplit(url)
        except ValueError:  # a host urllib cannot read, such as "http://[x"
            return False
        return self._is_site_host(parts.scheme, parts.netloc)

    def _is_site_host(self, scheme: str, netloc: str) -> bool:
        """Whether a scheme and network location are one of the site's origins."""
        return scheme in ("http", "https") and normalize_netloc(netloc, scheme) in self.hosts

    def is_fetched_site(self, url: str) -> bool:
        """Whether a URL is on the fetched site: its host with or without www., with or without
        a trailing dot, over http or https, on the same port (the scheme's default or as given).

        Any other host is another site, the site's public hosts included when a mirror or a
        local server is crawled, and so is a subdomain.
        """
        scheme = url.partition(":")[0].lower()
        return scheme in ("http", "https") and self.host_of(url) == self.fetch_site

    @staticmethod
    def host_of(url: str) -> str:
        """A URL's host and port as the site compares them: no www., no trailing dot."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        return normalize_netloc(parts.netloc, parts.scheme).removeprefix("www.")

    def canonical(self, url: str, base: str | None = None) -> str | None:
        """Return the canonical form of a link, or None when it leads off the site."""
        try:
            absolute = urljoin(base, url.strip()) if base else url.strip()
            scheme, netloc, path, query = canonical_parts(absolute)
        except ValueError:  # a host urllib cannot read, such as "//[x"
            return None
        if not self._is_site_host(scheme, netloc):
            return None
        path = path.rstrip("/") or "/"
        return f"{self._canonical_prefix}{path}?{query}" if query else self._canonical_prefix + path

    def to_fetch(self, url: str) -> str:
        """Return the URL to request for an on-site URL: same path, the fetched origin."""
        _, _, path, query = canonical_parts(url)
        return f"{self.fetch_origin}{path}?{query}" if query else self.fetch_origin + path

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
