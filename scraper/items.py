"""Items the spider yields: the archive's own records, stored by the pipeline as they are, and
the events of a walk the pipeline records on the run."""

from dataclasses import dataclass

from archive.crawl_records import ArticleRecord, FetchRecord
from archive.documents import DocumentFetch

__all__ = [
    "ArticleGone",
    "ArticleRecord",
    "CrawlItem",
    "DocumentFetch",
    "FetchRecord",
    "ListingFailed",
    "PageRejected",
    "SectionWalked",
]


@dataclass(frozen=True)
class SectionWalked:
    """The crawl reached the last listing page of a section."""

    section: str


@dataclass(frozen=True)
class ListingFailed:
    """A listing page of a section could not be fetched: the section was not walked to its end,
    whatever later pages of it showed."""

    section: str


@dataclass(frozen=True)
class PageRejected:
    """An article page that could not be used (unparseable), recorded as a failed fetch."""

    url: str
    reason: str


@dataclass(frozen=True)
class ArticleGone:
    """An article request answered in a way that says the article is gone, other than a
    404/410: a page saying it does not exist, a redirect to a page that is no article. Its
    fetch is recorded as failed, and an archived article is marked removed."""

    fetch: FetchRecord


CrawlItem = (
    ArticleRecord
    | FetchRecord
    | SectionWalked
    | ListingFailed
    | PageRejected
    | ArticleGone
    | DocumentFetch
)
