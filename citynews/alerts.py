"""Sending what the watches owe, through apprise: claim due notifications, send each (or each
digest period) to its target, mark it sent when the service accepts it, else failed with a
retry time that doubles with every attempt.

A target is an apprise URL kept in the archive as written, or a reference to where it is kept:
`env:NAME` (an environment variable) or `file:/path` (a file only its owner can read). Targets
are shown masked everywhere: no password, token or user name is ever printed.
"""

import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import apprise
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from archive.db import session_scope
from archive.models import Notification, Watch, WatchTarget
from archive.search.query import Query, parse_query
from citynews.display import labelled_time
from citynews.safety import hide_credentials
from citynews.snippets import snippet

BACKOFF_START = timedelta(minutes=5)
BACKOFF_MAX = timedelta(days=1)
DIGEST_PERIOD = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
KIND_WORDS = {
    "new": "New article",
    "edited": "Edited",
    "removed": "Removed from the site",
    "restored": "Back on the site",
    "document": "New document",
    "sample": "Test message",
}
MARK = ("\x01", "\x02")  # snippet marks, replaced by the body format's own
SNIPPET_WORDS = 30
INTERRUPTED = "the sending was interrupted before the service answered"


class TargetError(ValueError):
    """A target that cannot be used; the message shows it masked."""


# Targets and their secrets


def resolve_target(reference: str, environ: Mapping[str, str] = os.environ) -> str:
    """The apprise URL a target names: itself, or what `env:NAME` / `file:/path` holds."""
    if reference.startswith("env:"):
        name = reference.removeprefix("env:")
        value = environ.get(name, "").strip()
        if not value:
            raise TargetError(f"the environment variable {name} (target {reference}) is not set")
        return value
    if reference.startswith("file:"):
        path = Path(reference.removeprefix("file:")).expanduser()
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise TargetError(
                    f"{path} holds a notification URL but others may read it (mode "
                    f"{mode:04o}): chmod 600 {path}"
                )
            value = path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise TargetError(f"cannot read {path}: {error.strerror}") from None
        if not value:
            raise TargetError(f"{path} is empty: put the notification URL in it")
        return value
    return reference


def mask_url(url: str) -> str:
    """An apprise URL with every secret hidden: apprise's own privacy form, no user name, no
    options; an unknown URL as its scheme alone."""
    server = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if not server:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme[:20]}://…"
    private = str(server.url(privacy=True)).split("?", 1)[0]
    return re.sub(r"://[^/@]*@", "://…@", private)


def mask_target(reference: str) -> str:
    """A target as people may see it: references by name, URLs masked."""
    if reference.startswith(("env:", "file:")):
        return reference
    return mask_url(reference)


def check_target(reference: str) -> str:
    """The apprise URL of a target, or TargetError when apprise knows no such service."""
    url = resolve_target(reference)
    if not apprise.Apprise().add(url):
        raise TargetError(
            f"{mask_target(reference)} is not a notification URL apprise supports "
            "(mailto://, tgram://, json://, … see https://github.com/caronc/apprise/wiki)"
        )
    return url


def holds_secret(reference: str) -> bool:
    """Whether a target written into the archive as is carries a password or token."""
    return not reference.startswith(("env:", "file:")) and mask_url(reference) != reference


# Messages


@dataclass(frozen=True)
class Item:
    """One thing a message reports."""

    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Message:
    title: str
    html: str
    text: str
    compact_text: str  # without snippets and diffs, for services that take little


def local_time(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return "date unknown"
    return datetime.fromisoformat(value).astimezone(tz).strftime("%d.%m.%Y %H:%M")


def marked(excerpt: str, query: Query, html: bool) -> str:
    text = snippet(excerpt, query, width=SNIPPET_WORDS, mark=MARK)
    if html:
        return escape(text).replace(MARK[0], "<b>").replace(MARK[1], "</b>")
    return text.replace(MARK[0], "*").replace(MARK[1], "*")


def item_html(item: Item, query: Query, tz: ZoneInfo) -> str:
    p = item.payload
    url = escape(p["url"])
    parts = [
        f"<p><b>{KIND_WORDS[item.kind]}</b> · {escape(p['section'])} · "
        f"{local_time(p.get('published_at'), tz)}</p>",
        f'<p><a href="{url}">{escape(p["title"])}</a></p>',
    ]
    document = p.get("document")
    if document:
        parts.append(
            f'<p>Document: <a href="{escape(document["url"])}">'
            f"{escape(document['title'] or document['url'])}</a></p>"
        )
    if p.get("excerpt"):
        parts.append(f"<blockquote>{marked(p['excerpt'], query, html=True)}</blockquote>")
    if p.get("diff"):
        parts.append("<pre>" + escape("\n".join(p["diff"])) + "</pre>")
    parts.append(f'<p><a href="{url}">{url}</a></p>')
    return "\n".join(parts)


def item_text(item: Item, query: Query, tz: ZoneInfo, compact: bool = False) -> str:
    p = item.payload
    lines = [
        f"{KIND_WORDS[item.kind]} · {p['section']} · {local_time(p.get('published_at'), tz)}",
        p["title"],
    ]
    document = p.get("document")
    if document:
        lines.append(f"Document: {document['title'] or ''} {document['url']}".replace("  ", " "))
    if not compact and p.get("excerpt"):
        lines.append(marked(p["excerpt"], query, html=False))
    if not compact and p.get("diff"):
        lines.extend(p["diff"])
    lines.append(p["url"])
    return "\n".join(lines)


def message(watch_name: str, query: Query, items: list[Item], tz: ZoneInfo) -> Message:
    """The message reporting items to one target."""
    if len(items) == 1:
        title = f"[{watch_name}] {KIND_WORDS[items[0].kind]}: {items[0].payload['title']}"
    else:
        title = f"[{watch_name}] {len(items)} changes"
    return Message(
        title=title[:250],
        html="\n<hr>\n".join(item_html(item, query, tz) for item in items),
        text="\n\n".join(item_text(item, query, tz) for item in items),
        compact_text="\n\n".join(item_text(item, query, tz, compact=True) for item in items),
    )


def fit(text: str, limit: int) -> str:
    """Text cut to a service's limit at a line, saying so (every kept item keeps its link)."""
    if len(text) <= limit:
        return text
    note = "\n… (cut: the message was too long for this service)"
    kept = text[: max(0, limit - len(note))]
    return kept.rsplit("\n", 1)[0] + note if "\n" in kept else kept + note


def body_of(server_formats: object, limit: int, msg: Message) -> tuple[str, str]:
    """The body and its format for a service: HTML where it takes HTML and it fits, else
    plain text, shortened (without snippets and diffs, then cut) to the service's limit."""
    formats = server_formats if isinstance(server_formats, tuple) else (server_formats,)
    preferred = formats[0] if formats else apprise.NotifyFormat.TEXT
    if preferred == apprise.NotifyFormat.HTML and len(msg.html) <= limit:
        return msg.html, apprise.NotifyFormat.HTML
    if len(msg.text) <= limit:
        return msg.text, apprise.NotifyFormat.TEXT
    return fit(msg.compact_text, limit), apprise.NotifyFormat.TEXT


def deliver(reference: str, msg: Message) -> str | None:
    """Send a message to a target; None when the service accepted it, else why not (masked)."""
    try:
        url = resolve_target(reference)
    except TargetError as error:
        return str(error)
    sender = apprise.Apprise()
    if not sender.add(url):
        return f"{mask_target(reference)} is not a notification URL apprise supports"
    server = sender[0]
    limit = int(server.body_maxlen or 32768)
    body, body_format = body_of(server.notify_format, limit, msg)
    with quiet_apprise(), apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        try:
            accepted = bool(sender.notify(body=body, title=msg.title, body_format=body_format))
            crash = None
        except Exception as error:  # a plugin's bug is a failed send, never a failed crawl
            accepted, crash = False, f"{type(error).__name__}: {error}"
        said = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
    if crash:
        said.append(crash)
    if accepted:
        return None
    reason = said[-1] if said else "the service did not accept the message"
    return f"{mask_target(reference)}: {masked_text(reason, url)}"[:500]


@contextmanager
def quiet_apprise() -> Iterator[None]:
    """Apprise's log kept to the one line a failed send records (masked), never printed."""
    logger = logging.getLogger("apprise")
    propagate = logger.propagate
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = propagate


def masked_text(text: str, url: str) -> str:
    """Text with a target's URL and credentials hidden."""
    return hide_credentials(text.replace(url, mask_url(url)))


# The outbox


@dataclass
class SendSummary:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # digests whose period has not ended
    errors: list[str] = field(default_factory=list)
    next_retry: datetime | None = None


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 5 minutes, doubling, at most a day."""
    factor: int = 2 ** min(max(0, attempts - 1), 20)
    return min(BACKOFF_START * factor, BACKOFF_MAX)


def period_start(at: datetime, digest: str, tz: ZoneInfo) -> datetime:
    local = at.astimezone(tz)
    if digest == "hourly":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def release_interrupted(session: Session, now: datetime) -> None:
    """Rows a killed sender had claimed become failed, due now (the sender holds the lock)."""
    session.execute(
        update(Notification)
        .where(Notification.status == "sending")
        .values(status="failed", last_error=INTERRUPTED, next_attempt_at=now)
    )


def due_groups(
    session: Session, now: datetime, tz: ZoneInfo, retry_failed: bool
) -> tuple[list[tuple[Watch, WatchTarget, list[Notification]]], int]:
    """The notifications to send now, one group per message; and how many wait for a digest."""
    due = (Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now)
    if retry_failed:
        due = due | (Notification.status == "failed")
    rows = session.execute(
        select(Notification, Watch, WatchTarget)
        .join(Watch, Watch.id == Notification.watch_id)
        .join(WatchTarget, WatchTarget.id == Notification.target_id)
        .where(Notification.status.in_(("pending", "failed")), due)
        .order_by(Notification.id)
    ).all()
    groups: dict[tuple[Any, ...], tuple[Watch, WatchTarget, list[Notification]]] = {}
    waiting = 0
    for row, watch, target in rows:
        if watch.digest in DIGEST_PERIOD:
            start = period_start(row.created_at, watch.digest, tz)
            if start + DIGEST_PERIOD[watch.digest] > now:
                waiting += 1
                continue
            key: tuple[Any, ...] = (target.id, start)
        else:
            key = (row.id,)
        groups.setdefault(key, (watch, target, []))[2].append(row)
    return list(groups.values()), waiting


def claim(session: Session, ids: list[int]) -> bool:
    """Mark rows as being sent, unless another sender took one of them first."""
    claimed = session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.status.in_(("pending", "failed")))
        .values(status="sending")
    )
    return getattr(claimed, "rowcount", 0) == len(ids)


def settle(session: Session, ids: list[int], error: str | None, now: datetime) -> datetime | None:
    """Mark claimed rows sent, or failed with their next attempt; that attempt's time."""
    retry_at = None
    for row in session.scalars(select(Notification).where(Notification.id.in_(ids))):
        row.attempts += 1
        if error is None:
            row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", now, None, None
        else:
            row.status, row.last_error = "failed", error
            row.next_attempt_at = now + backoff(row.attempts)
            retry_at = min(retry_at or row.next_attempt_at, row.next_attempt_at)
    return retry_at


def send_pending(
    sessions: sessionmaker[Session], now: datetime, tz: ZoneInfo, retry_failed: bool = False
) -> SendSummary:
    """Send every notification due now; the caller holds the archive's crawl lock."""
    summary = SendSummary()
    with session_scope(sessions) as session:
        release_interrupted(session, now)
        groups, summary.waiting = due_groups(session, now, tz, retry_failed)
        plans = [
            (
                watch.id,
                watch.name,
                watch.query,
                target.url,
                [row.id for row in rows],
                [Item(row.kind, row.payload) for row in rows],
            )
            for watch, target, rows in groups
        ]
    refused: dict[str, str] = {}  # a target that failed is not tried again in this pass
    for watch_id, name, query_text, reference, ids, items in plans:
        with session_scope(sessions) as session:
            if not claim(session, ids):
                continue
        error = refused.get(reference) or deliver(
            reference, message(name, parse_query(query_text), items, tz)
        )
        if error is not None:
            refused[reference] = error
        with session_scope(sessions) as session:
            retry_at = settle(session, ids, error, now)
            if error is None:
                session.execute(update(Watch).where(Watch.id == watch_id).values(last_run_at=now))
        if error is None:
            summary.sent += len(ids)
        else:
            summary.failed += len(ids)
            if error not in summary.errors:
                summary.errors.append(error)
            if retry_at and (summary.next_retry is None or retry_at < summary.next_retry):
                summary.next_retry = retry_at
    return summary


def send_sample(reference: str, watch_name: str, query_text: str, tz: ZoneInfo) -> str | None:
    """Send a sample message to a target now; None when accepted, else why not."""
    sample = Item(
        "sample",
        {
            "title": f"citynews: this is how the watch {watch_name!r} will write",
            "url": "https://www.smoladmin.ru/",
            "section": "all sections",
            "published_at": None,
            "excerpt": f"The articles, edits and documents that match: {query_text}",
        },
    )
    return deliver(reference, message(watch_name, parse_query(query_text), [sample], tz))


@dataclass(frozen=True)
class TargetState:
    """What the outbox holds for one target."""

    watch: str
    target: str  # masked
    pending: int
    failed: int
    next_retry: datetime | None
    last_error: str | None


def outbox_state(session: Session) -> list[TargetState]:
    """Pending and failed notifications per target, for `citynews status`."""
    waiting = Notification.status.in_(("pending", "failed", "sending"))
    counts = session.execute(
        select(
            Watch.name,
            WatchTarget.url,
            WatchTarget.id,
            func.count().filter(Notification.status != "failed"),
            func.count().filter(Notification.status == "failed"),
            func.min(Notification.next_attempt_at).filter(Notification.status == "failed"),
        )
        .join(Watch, Watch.id == Notification.watch_id)
        .join(WatchTarget, WatchTarget.id == Notification.target_id)
        .where(waiting)
        .group_by(Watch.name, WatchTarget.url, WatchTarget.id)
        .order_by(Watch.name, WatchTarget.id)
    ).all()
    states = []
    for watch, reference, target_id, pending, failed, next_retry in counts:
        last_error = session.scalar(
            select(Notification.last_error)
            .where(Notification.target_id == target_id, Notification.status == "failed")
            .order_by(Notification.id.desc())
            .limit(1)
        )
        states.append(
            TargetState(watch, mask_target(reference), pending, failed, next_retry, last_error)
        )
    return states


def outbox_lines(states: Iterable[TargetState], tz: ZoneInfo) -> list[str]:
    states = list(states)
    if not states:
        return ["Notifications: none waiting"]
    lines = ["Notifications waiting:"]
    for state in states:
        line = f"  {state.watch} → {state.target}: {state.pending} pending, {state.failed} failed"
        if state.next_retry:
            line += f", next retry {labelled_time(state.next_retry, tz)}"
        lines.append(line)
        if state.last_error:
            lines.append(f"    last error: {state.last_error}")
    return lines
