"""What the archive is given to keep: plain values, independent of how they were gathered."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.search.index import IndexValues


@dataclass
class RawPageRecord:
    """An article page as it was served (and its xz compression, sha256 digest and share of
    non-text characters once decoded, when already computed)."""

    status: int
    headers: dict[str, str]
    body: bytes
    compressed: bytes | None = None
    sha256: str | None = None
    non_text_share: float | None = None


@dataclass
class ArticleRecord:
    """One fetched and parsed article page."""

    url: str
    section: str
    fetched_url: str
    fetched_at: datetime
    title: str | None = None
    body_text: str = ""
    body_html: str = ""
    published_at: datetime | None = None
    published_precision: str | None = None
    published_source: str | None = None
    updated_at: datetime | None = None
    views: int | None = None
    meta_line_raw: str | None = None
    images: list[str] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    listing_title: str | None = None
    listed_date: date | None = None
    cues: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    raw: RawPageRecord | None = None
    index_values: "IndexValues | None" = None  # of title and body_text, when already computed
    fetch: "FetchRecord | None" = None  # the request's outcome, when it travels with the page
    not_found_cue: str | None = None  # how the page says it does not exist (a soft 404)


@dataclass
class FetchRecord:
    """The outcome of one request."""

    url: str
    requested_url: str
    kind: str
    ok: bool
    fetched_at: datetime
    status: int | None = None
    error: str | None = None
    redirected_from: str | None = None
    ignored: bool = False
