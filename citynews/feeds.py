"""Atom feeds (RFC 4287) of the newest archived articles: of the whole site, of sections, of a
search query.

An entry's id is a tag URI (RFC 4151) made of the site's host, the day the archive first saw the
article (UTC) and the article's path: it never changes when the article is edited, while its
`updated` moves to the time the archive saw the article change.
"""

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from archive.change_queries import FeedEntry
from exports.writers import temporary_beside
from scraper.sections import SECTIONS_BY_KEY
from scraper.urls import CANONICAL_ORIGIN

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 50
SUMMARY_WORDS = 60
FEED_TAG_DAY = "2026-01-01"  # the day citynews began to name its feeds
# Characters XML 1.0 cannot hold, even escaped: archived text may have any.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
TAG_SPECIFIC_SAFE = "/?-._~!$&'()*+,;=:@%"  # RFC 4151: pchar, / and ?

ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class FeedSpec:
    """Which articles a feed lists and how it names itself."""

    sections: Sequence[str] = ()
    query_text: str | None = None
    self_url: str | None = None  # where the feed is published, when known
    watch: str | None = None  # the saved search the feed follows, if any

    @property
    def name(self) -> str:
        """The feed's path under the archive's feeds: all, section/KEY, watch/NAME, …?q=…"""
        if self.watch is not None:
            return "watch/" + quote(self.watch, safe="")
        name = "section/" + "+".join(self.sections) if self.sections else "all"
        if self.query_text:
            name += "?q=" + quote(self.query_text, safe="")
        return name

    @property
    def title(self) -> str:
        """What a feed reader shows as the feed's name."""
        titles = [SECTIONS_BY_KEY[key].title for key in self.sections]
        title = "smoladmin.ru: " + (", ".join(titles) if titles else "все новости")
        if self.watch is not None:
            title += f" — {self.watch}"
        return f"{title} — «{self.query_text}»" if self.query_text else title

    @property
    def site_link(self) -> str:
        """The page of the site the feed follows: a section's listing, or the site's home."""
        if len(self.sections) == 1:
            return CANONICAL_ORIGIN + SECTIONS_BY_KEY[self.sections[0]].path
        return CANONICAL_ORIGIN + "/"


def xml_text(text: str) -> str:
    """The text without the characters an XML document cannot hold."""
    return NOT_XML.sub("", text)


def atom_time(moment: datetime) -> str:
    """An RFC 3339 date-time in UTC, as Atom wants it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def entry_id(url: str, first_seen_at: datetime) -> str:
    """The article's tag URI: its host, the day it was first seen (UTC), its path."""
    parts = urlsplit(url)
    path = quote(parts.path + (f"?{parts.query}" if parts.query else ""), safe=TAG_SPECIFIC_SAFE)
    return f"tag:{parts.hostname},{first_seen_at.astimezone(UTC):%Y-%m-%d}:{path}"


def feed_id(spec: FeedSpec) -> str:
    return f"tag:{urlsplit(CANONICAL_ORIGIN).hostname},{FEED_TAG_DAY}:feeds/{spec.name}"


def summary(text: str, words: int = SUMMARY_WORDS) -> str:
    """The first words of a text, '…' after them when there is more."""
    found = text.split()
    return " ".join(found[:words]) + (" …" if len(found) > words else "")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    cleaned = {name: xml_text(value) for name, value in attributes.items()}
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", cleaned)
    if text is not None:
        element.text = xml_text(text)
    return element


def _entry(feed: ET.Element, article: FeedEntry) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", entry_id(article.url, article.first_seen_at))
    _add(entry, "title", article.title or article.url, type="text")
    _add(entry, "updated", atom_time(article.last_changed_at))
    if article.published_at is not None:
        _add(entry, "published", atom_time(article.published_at))
    _add(entry, "link", rel="alternate", type="text/html", href=article.url)
    section = SECTIONS_BY_KEY.get(article.section)
    label = section.title if section else article.section
    _add(entry, "category", term=article.section, label=label)
    if article.text_start:
        _add(entry, "summary", summary(article.text_start), type="text")


def atom_feed(spec: FeedSpec, entries: Sequence[FeedEntry], now: datetime) -> bytes:
    """The Atom document of a feed; its `updated` is its newest entry's (now when empty)."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", feed_id(spec))
    _add(feed, "title", spec.title, type="text")
    updated = max((entry.last_changed_at for entry in entries), default=now)
    _add(feed, "updated", atom_time(updated))
    author = _add(feed, "author")
    _add(author, "name", "Администрация города Смоленска")
    _add(author, "uri", CANONICAL_ORIGIN + "/")
    if spec.self_url:
        _add(feed, "link", rel="self", type="application/atom+xml", href=spec.self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=spec.site_link)
    _add(feed, "generator", "citynews")
    for entry in entries:
        _entry(feed, entry)
    ET.indent(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def write_feed(out: Path, document: bytes) -> None:
    """Write a feed to out whole, or leave what was there untouched."""
    with temporary_beside(out) as (handle, temporary):
        with open(handle, "wb") as stream:
            stream.write(document)
        os.replace(temporary, out)
