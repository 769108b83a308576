"""Saved searches that notify: adding, listing and removing watches, matching a query against
an article's text in Python (the lemmas and phrases of `citynews search`), and queueing the
notifications a change owes, in the transaction that writes the change.

Rules: a new article is reported when the query matches its title and text; an edit when the
query matches the new version and one of its occurrences lies in the words the edit added or
changed; a removal or restoration only of an article the watch matched before; a document
version when its text matches. A watch sees only the changes written after it was added
(of documents, the versions first seen after it was added, whenever their text is read).
Functions take a session and never commit: callers do.
"""

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session, selectinload

from archive.models import (
    Article,
    ArticleDocument,
    Document,
    DocumentPart,
    DocumentVersion,
    Notification,
    Watch,
    WatchMatch,
    WatchTarget,
)
from archive.search.lemmas import lemmas, words
from archive.search.query import Query, parse_query

DIGESTS = ("none", "hourly", "daily")
EXCERPT_WORDS = 40  # words of text kept with a notification, around the occurrence it reports
DIFF_CONTEXT = 1  # unchanged lines shown around each change of an edit's diff
MAX_DIFF_LINES = 200


class WatchError(ValueError):
    """A watch that cannot be added or found; the message says why."""


@dataclass(frozen=True)
class ArticleChange:
    """A change of an article that watches may report: new, edited, removed or restored
    (`before_*`: the version an edit replaced)."""

    article: Article
    kind: str
    at: datetime
    before_title: str | None = None
    before_body: str = ""


@dataclass(frozen=True)
class TextWords:
    """A text as the matcher reads it: its words' lemmas, where each lemma occurs, and for each
    word the whitespace-separated token of the text it came from (to quote it)."""

    tokens: tuple[str, ...]
    word_lemmas: tuple[frozenset[str], ...]
    token_of_word: tuple[int, ...]
    positions: dict[str, list[int]]

    @classmethod
    def of(cls, text: str) -> "TextWords":
        tokens = tuple(re.findall(r"\S+", text))
        word_lemmas: list[frozenset[str]] = []
        token_of_word: list[int] = []
        positions: dict[str, list[int]] = {}
        for index, token in enumerate(tokens):
            for word in words(token):
                for lemma in lemmas(word):
                    positions.setdefault(lemma, []).append(len(word_lemmas))
                word_lemmas.append(frozenset(lemmas(word)))
                token_of_word.append(index)
        return cls(tokens, tuple(word_lemmas), tuple(token_of_word), positions)

    def starts(self, word: tuple[str, ...]) -> set[int]:
        """The positions of the words sharing a lemma with a query word."""
        return {position for lemma in word for position in self.positions.get(lemma, ())}

    def excerpt(self, word: int, size: int = EXCERPT_WORDS) -> str:
        """About `size` tokens of the text around the one holding a word."""
        if not self.tokens:
            return ""
        centre = self.token_of_word[word] if self.token_of_word else 0
        start = max(0, centre - size // 4)
        prefix = "… " if start > 0 else ""
        suffix = " …" if start + size < len(self.tokens) else ""
        return prefix + " ".join(self.tokens[start : start + size]) + suffix


def article_text(title: str | None, body: str) -> str:
    """The text a watch matches: the title, then the body."""
    return f"{title or ''}\n{body}"


@dataclass(frozen=True)
class Matcher:
    """A parsed query matched in Python: every phrase must occur, its words consecutive."""

    query: Query

    def occurrences(self, text: TextWords) -> list[int] | None:
        """The word positions of every occurrence of the query's phrases; None when a phrase
        does not occur."""
        found: set[int] = set()
        for phrase in self.query.phrases:
            starts = text.starts(phrase[0])
            for offset, word in enumerate(phrase[1:], 1):
                starts &= {position - offset for position in text.starts(word)}
            if not starts:
                return None
            found.update(start + offset for start in starts for offset in range(len(phrase)))
        return sorted(found)

    def matches(self, text: str) -> bool:
        return self.occurrences(TextWords.of(text)) is not None


def changed_words(before: str, after: str) -> set[int]:
    """The positions of the words of `after` that an edit of `before` added or changed: the
    lines an edit touched, compared word by word."""
    old_lines, new_lines = before.split("\n"), after.split("\n")
    offsets = [0]
    for line in new_lines:
        offsets.append(offsets[-1] + len(words(line)))
    changed: set[int] = set()
    by_line = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for operation, old_start, old_end, start, end in by_line.get_opcodes():
        if operation == "insert":
            changed.update(range(offsets[start], offsets[end]))
        elif operation == "replace":
            old = [word for line in old_lines[old_start:old_end] for word in words(line)]
            new = [word for line in new_lines[start:end] for word in words(line)]
            by_word = difflib.SequenceMatcher(None, old, new, autojunk=False)
            for word_operation, _, _, first, last in by_word.get_opcodes():
                if word_operation in ("replace", "insert"):
                    changed.update(range(offsets[start] + first, offsets[start] + last))
    return changed


def diff_lines(
    before_title: str | None, before_body: str, after_title: str | None, after_body: str
) -> list[str]:
    """The unified diff of two versions of an article, title first, without its file header."""
    before = [f"# {before_title or ''}", *before_body.split("\n")]
    after = [f"# {after_title or ''}", *after_body.split("\n")]
    lines = difflib.unified_diff(before, after, "before", "after", n=DIFF_CONTEXT, lineterm="")
    return [line for line in lines if not line.startswith(("---", "+++"))]


# Adding, listing, removing


def add_watch(
    session: Session,
    name: str,
    query: str,
    sections: Sequence[str],
    targets: Sequence[str],
    digest: str,
    now: datetime,
) -> Watch:
    """Save a watch; QueryError for a query search refuses, WatchError for a taken name."""
    parse_query(query)
    if not name.strip():
        raise WatchError("give the watch a name")
    if digest not in DIGESTS:
        raise WatchError(f"unknown digest {digest!r}: one of {', '.join(DIGESTS)}")
    if session.scalar(select(Watch.id).where(Watch.name == name)) is not None:
        raise WatchError(f"a watch named {name!r} exists: remove it first, or choose another name")
    watch = Watch(
        name=name,
        query=query,
        sections=list(dict.fromkeys(sections)),
        digest=digest,
        created_at=now,
    )
    watch.targets = [WatchTarget(url=url) for url in dict.fromkeys(targets)]
    session.add(watch)
    session.flush()
    return watch


def list_watches(session: Session) -> list[Watch]:
    """Every watch with its targets, by name."""
    return list(
        session.scalars(select(Watch).options(selectinload(Watch.targets)).order_by(Watch.name))
    )


def find_watch(session: Session, name: str) -> Watch:
    watch = session.scalar(
        select(Watch).options(selectinload(Watch.targets)).where(Watch.name == name)
    )
    if watch is None:
        known = ", ".join(w.name for w in list_watches(session)) or "none yet"
        raise WatchError(f"no watch named {name!r} (watches: {known})")
    return watch


def remove_watch(session: Session, name: str) -> Watch:
    """Remove a watch with its targets, matches and notifications (sent or not)."""
    watch = find_watch(session, name)
    for table in (Notification, WatchMatch, WatchTarget):
        session.execute(delete(table).where(table.watch_id == watch.id))
    session.delete(watch)
    session.flush()
    return watch


# Queueing

Owed = tuple[Watch, int, str, str, dict[str, Any], datetime]  # watch, article, subject, kind, …


@dataclass
class _Watching:
    """The watches of one write, each query parsed once."""

    watches: list[tuple[Watch, Matcher]]
    matched_before: set[tuple[int, int]] = field(default_factory=set)  # (watch, article)

    @classmethod
    def load(cls, session: Session) -> "_Watching":
        rows = list_watches(session)
        return cls([(watch, Matcher(parse_query(watch.query))) for watch in rows if watch.targets])


def owes_notifications(session: Session) -> bool:
    """Whether the outbox holds a notification not sent yet."""
    return bool(session.scalar(select(exists().where(Notification.status != "sent"))))


def queue_notifications(session: Session, changes: Iterable[ArticleChange]) -> int:
    """Queue what the watches owe for these changes (flushed, with ids); the number queued."""
    changes = list(changes)
    if not changes or session.scalar(select(Watch.id).limit(1)) is None:
        return 0
    watching = _Watching.load(session)
    if not watching.watches:
        return 0
    article_ids = {change.article.id for change in changes}
    watching.matched_before = {
        (watch_id, article_id)
        for watch_id, article_id in session.execute(
            select(WatchMatch.watch_id, WatchMatch.article_id).where(
                WatchMatch.article_id.in_(article_ids)
            )
        )
    }
    owed: list[Owed] = []
    for change in changes:
        owed.extend(_owed_for(watching, change))
    return _write_owed(session, watching, owed)


def _owed_for(watching: _Watching, change: ArticleChange) -> Iterable[Owed]:
    article = change.article
    text = article_text(article.title, article.body_text)
    after = TextWords.of(text)
    changed: set[int] | None = None
    for watch, matcher in watching.watches:
        if watch.sections and article.section not in watch.sections:
            continue
        known = (watch.id, article.id) in watching.matched_before
        occurrences = matcher.occurrences(after)
        if change.kind in ("removed", "restored"):
            if not known:
                continue
            first = occurrences[0] if occurrences else 0
        else:
            if occurrences is None:
                continue
            if change.kind == "edited":
                if changed is None:
                    before = article_text(change.before_title, change.before_body)
                    changed = changed_words(before, text)
                occurrences = [word for word in occurrences if word in changed]
                if not occurrences:
                    continue
            first = occurrences[0]
            watching.matched_before.add((watch.id, article.id))
        payload = _article_payload(article, after.excerpt(first))
        if change.kind == "edited":
            diff = diff_lines(
                change.before_title, change.before_body, article.title, article.body_text
            )
            payload["diff"] = diff[:MAX_DIFF_LINES]
        subject = f"article:{article.id}:{change.kind}"
        if change.kind != "new":
            subject += f":{change.at.isoformat()}"
        yield watch, article.id, subject, change.kind, payload, change.at


def _article_payload(article: Article, excerpt: str) -> dict[str, Any]:
    return {
        "title": article.title or article.listing_title or article.url,
        "url": article.url,
        "section": article.section,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "excerpt": excerpt,
    }


def _write_owed(
    session: Session,
    watching: _Watching,
    owed: list[Owed],
) -> int:
    """Insert the notifications not owed already, and the matches not recorded yet."""
    if not owed:
        return 0
    watch_ids = {watch.id for watch, *_ in owed}
    subjects = {subject for _, _, subject, *_ in owed}
    existing: set[tuple[int, str]] = set(
        session.execute(
            select(Notification.target_id, Notification.subject).where(
                Notification.watch_id.in_(watch_ids), Notification.subject.in_(subjects)
            )
        )
    )
    recorded: set[tuple[int, int]] = set(
        session.execute(
            select(WatchMatch.watch_id, WatchMatch.article_id).where(
                WatchMatch.watch_id.in_(watch_ids)
            )
        )
    )
    matches: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for watch, article_id, subject, kind, payload, at in owed:
        matched = kind in ("new", "edited")
        if matched and (watch.id, article_id) not in recorded:
            matches.append({"watch_id": watch.id, "article_id": article_id, "matched_at": at})
            recorded.add((watch.id, article_id))
        for target in watch.targets:
            if (target.id, subject) in existing:
                continue
            existing.add((target.id, subject))
            notifications.append(
                {
                    "watch_id": watch.id,
                    "target_id": target.id,
                    "article_id": article_id,
                    "subject": subject,
                    "kind": kind,
                    "payload": payload,
                    "created_at": at,
                    "status": "pending",
                    "attempts": 0,
                }
            )
    if matches:
        session.execute(insert(WatchMatch), matches)
    if notifications:
        session.execute(insert(Notification), notifications)
    return len(notifications)


def queue_document_notifications(session: Session, sha256: str, at: datetime) -> int:
    """Queue what the watches owe for a stored file whose text was just read: each document
    version serving it, first seen after the watch was added, whose text matches."""
    if session.scalar(select(Watch.id).limit(1)) is None:
        return 0
    watching = _Watching.load(session)
    versions = session.execute(
        select(DocumentVersion.id, DocumentVersion.first_seen_at, Document.id, Document.url)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.sha256 == sha256)
    ).all()
    if not watching.watches or not versions:
        return 0
    parts = session.scalars(
        select(DocumentPart.text)
        .where(DocumentPart.sha256 == sha256)
        .order_by(DocumentPart.position)
    )
    text = TextWords.of("\n".join(parts))
    owed: list[Owed] = []
    for version_id, first_seen_at, document_id, document_url in versions:
        link = session.execute(
            select(ArticleDocument.title, Article)
            .join(Article, Article.id == ArticleDocument.article_id)
            .where(ArticleDocument.document_id == document_id)
            .order_by(ArticleDocument.first_seen_at, ArticleDocument.id)
            .limit(1)
        ).first()
        if link is None:
            continue
        link_title, article = link
        for watch, matcher in watching.watches:
            if watch.sections and article.section not in watch.sections:
                continue
            if first_seen_at < watch.created_at:
                continue
            occurrences = matcher.occurrences(text)
            if occurrences is None:
                continue
            payload = _article_payload(article, text.excerpt(occurrences[0]))
            payload["document"] = {"url": document_url, "title": link_title}
            subject = f"document-version:{version_id}"
            owed.append((watch, article.id, subject, "document", payload, at))
    return _write_owed(session, watching, owed)
