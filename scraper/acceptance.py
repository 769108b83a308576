"""Whether a fetched page is an article page, before it may change the archive.

A maintenance page, an error page served with 200, or random bytes parse into a title and a
text like any page; storing them would overwrite good archived values. A page is refused when:

- it decodes to mostly non-text (control characters, undecodable bytes);
- it lacks a cue its archived version had: the meta line, or the view count;
- its title and text are shared by more than MAX_SHARED_PAGES different URLs in the run.

A page with no positive cue (no meta line, a title unlike its listing's and archive's titles)
is held back until the run ends, when its twins, if any, have been seen.
"""

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from archive.crawl_records import ArticleRecord
from archive.rejections import ArchivedCues
from scraper.parsing.text import decode_page

NOT_AN_ARTICLE = "not an article page"
MAX_NON_TEXT_SHARE = 0.02  # real pages have no control characters or undecodable bytes
MAX_SHARED_PAGES = 2  # one title and text on more URLs than this in a run is boilerplate
MAX_HELD_PAGES = 200  # pages held at once; beyond, the oldest is judged with what is known
MIN_TITLE_OVERLAP = 0.5
_WORD_RE = re.compile(r"\w+")
# Control characters (Unicode category Cc) but tab, line feed, carriage return and form feed;
# and U+FFFD, what undecodable bytes become.
_NON_TEXT_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")

Decision = tuple[ArticleRecord, str | None]  # the page, and why it is refused (None: stored)


def non_text_share(text: str) -> float:
    """The share of characters that are control characters or U+FFFD (undecodable bytes)."""
    if not text:
        return 0.0
    return len(_NON_TEXT_RE.findall(text)) / len(text)


def title_words(title: str | None) -> list[str]:
    """A title's words, case-folded, ё as е."""
    return _WORD_RE.findall((title or "").casefold().replace("ё", "е"))


def titles_resemble(title: str | None, other: str | None) -> bool:
    """Whether two titles name the same article (one may be shortened, as on a listing)."""
    words, others = title_words(title), title_words(other)
    if not words or not others:
        return False
    shorter, longer = sorted((words, others), key=len)
    return sum(word in set(longer) for word in shorter) / len(shorter) >= MIN_TITLE_OVERLAP


def page_fingerprint(record: ArticleRecord) -> str | None:
    """A digest of a page's title and text (None when it has neither)."""
    if not record.title and not record.body_text:
        return None
    return hashlib.sha256(f"{record.title}\0{record.body_text}".encode()).hexdigest()


def decodes_to_text(record: ArticleRecord) -> bool:
    """Whether the served page is text rather than random bytes (the share measured when the
    page was parsed, else now)."""
    if record.raw is None:
        return True
    share = record.raw.non_text_share
    if share is None:
        decoded = decode_page(record.raw.body, record.raw.headers.get("Content-Type"))
        share = non_text_share(decoded.text)
    return share <= MAX_NON_TEXT_SHARE


def lost_cue(record: ArticleRecord, archived: ArchivedCues | None) -> str | None:
    """The cue the archived version had and this page lacks, if any."""
    if archived is None:
        return None
    if archived.meta_line and record.meta_line_raw is None:
        return "it lacks the meta line (Опубликовано/Просмотров) its archived version had"
    if archived.views and record.views is None:
        return "it lacks the view count its archived version had"
    return None


def has_positive_cue(record: ArticleRecord, archived: ArchivedCues | None) -> bool:
    """Whether the page shows a meta line or a title its listing or archive confirms."""
    if record.meta_line_raw is not None and record.published_source == "meta-line":
        return True
    known = [record.listing_title]
    if archived is not None:
        known += [archived.title, archived.listing_title]
    return any(titles_resemble(record.title, title) for title in known)


@dataclass
class ArticleGate:
    """The run's memory of pages: which URLs showed which title and text; pages held back."""

    urls_by_fingerprint: dict[str, set[str]] = field(default_factory=dict)
    held: OrderedDict[str, ArticleRecord] = field(default_factory=OrderedDict)

    def admit(self, record: ArticleRecord, archived: ArchivedCues | None) -> list[Decision]:
        """Decide on a page now, or hold it; returns the decisions made (held ones included)."""
        if not decodes_to_text(record):
            return [(record, f"{NOT_AN_ARTICLE}: it decodes to mostly non-text")]
        twins = self.remember(record)
        if cue := lost_cue(record, archived):
            return [(record, f"{NOT_AN_ARTICLE}: {cue}")]
        if twins > MAX_SHARED_PAGES:
            return [(record, self.boilerplate(twins))]
        if has_positive_cue(record, archived):
            return [(record, None)]
        self.held[record.url] = record
        if len(self.held) <= MAX_HELD_PAGES:
            return []
        _, oldest = self.held.popitem(last=False)
        return [self.judge_held(oldest)]

    def release(self) -> list[Decision]:
        """Decide on every page held back, now that the whole run has been seen."""
        decisions = [self.judge_held(record) for record in self.held.values()]
        self.held.clear()
        return decisions

    def remember(self, record: ArticleRecord) -> int:
        """Note the page's title and text; how many URLs of the run showed them."""
        fingerprint = page_fingerprint(record)
        if fingerprint is None:
            return 0
        urls = self.urls_by_fingerprint.setdefault(fingerprint, set())
        urls.add(record.url)
        return len(urls)

    def judge_held(self, record: ArticleRecord) -> Decision:
        """A held page is stored unless it turned out to be one of many twins."""
        fingerprint = page_fingerprint(record)
        twins = len(self.urls_by_fingerprint.get(fingerprint, ())) if fingerprint else 0
        return (record, self.boilerplate(twins) if twins > MAX_SHARED_PAGES else None)

    @staticmethod
    def boilerplate(twins: int) -> str:
        return f"{NOT_AN_ARTICLE}: {twins} pages of this run share its title and text"
