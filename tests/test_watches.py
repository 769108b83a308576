"""Saved searches that notify: what a change owes (new, edited in the added text, removed and
restored once matched, documents), written with the change, sent once through real services
(a local webhook and an SMTP server), retried with backoff, and never showing a secret."""

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import apprise
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.articles import save_article
from archive.db import open_archive, session_scope
from archive.documents import (
    DocumentFetch,
    ExtractedPart,
    Extraction,
    FetchOutcome,
    StoredFile,
    TextStatus,
    record_extraction,
    record_fetch,
)
from archive.fetches import mark_removed
from archive.models import Article, Notification
from archive.search.query import parse_query
from archive.watches import Matcher, TextWords, add_watch, changed_words
from citynews.alerts import Item, body_of, mask_target, message, send_pending
from tests.support.cli import one_line_error, run_main
from tests.support.receivers import smtp_server, webhook_server
from tests.support.records import FETCHED_AT, NOVOSTI, article_record

MSK = ZoneInfo("Europe/Moscow")
BEFORE = FETCHED_AT - timedelta(days=1)
LATER = FETCHED_AT + timedelta(days=1)
STREET = "Ремонт улицы Ленина начнётся в мае"
TELEGRAM = "tgram://123456789:AAFsecretTOKENvalue/-100200300"


@pytest.mark.parametrize(
    ("query", "text", "matches"),
    [
        ("улица Ленина", "Ремонт на улице Ленина", True),  # word forms share a lemma
        ('"улица Ленина"', "Ремонт улицы Ленина", True),
        ('"улица Ленина"', "Улица Гагарина и проспект Ленина", False),  # not consecutive
        ("ремонт школа", "Ремонт дороги", False),  # every word must occur
        ("Зеленстрой", "«Зеленстрой» высадил деревья", True),
        ("ёлка", "Новогодняя елка на площади", True),
    ],
)
def test_the_matcher_reads_queries_as_search_does(query: str, text: str, matches: bool) -> None:
    assert Matcher(parse_query(query)).matches(text) is matches


def watch(session: Session, query: str, *targets: str, name: str = "beat", **options) -> None:
    add_watch(
        session,
        name,
        query,
        options.get("sections", []),
        list(targets) or ["json://127.0.0.1:9/hook"],
        options.get("digest", "none"),
        options.get("created_at", BEFORE),
    )


def owed(session: Session) -> list[tuple[str, str]]:
    """(kind, article URL) of every notification in the outbox, in order."""
    rows = session.scalars(select(Notification).order_by(Notification.id))
    return [(row.kind, row.payload["url"]) for row in rows]


def test_a_new_article_matching_a_watch_is_owed_once(sessions: sessionmaker[Session]) -> None:
    url, other = NOVOSTI + "remont", NOVOSTI + "drugoe"
    with session_scope(sessions) as session:
        watch(session, "улица Ленина")
        save_article(session, article_record(url, title=STREET), None)
        save_article(session, article_record(other, title="Концерт в филармонии"), None)
    with session_scope(sessions) as session:
        save_article(session, article_record(url, title=STREET, fetched_at=LATER), None)
        assert owed(session) == [("new", url)]
        row = session.scalars(select(Notification)).one()
        assert row.status == "pending"
        assert "Ленина" in row.payload["excerpt"]


def test_a_section_filter_leaves_other_sections_out(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        watch(session, "улица Ленина", sections=["anonsy"])
        save_article(session, article_record(NOVOSTI + "remont", title=STREET), None)
        assert owed(session) == []


def test_an_edit_is_owed_only_when_the_query_is_in_the_added_text(
    sessions: sessionmaker[Session],
) -> None:
    url = NOVOSTI + "remont"
    body = "Работы пройдут на улице Ленина.\n\nПодрядчик определён."
    with session_scope(sessions) as session:
        save_article(session, article_record(url, title="Ремонт", body_text=body), None)
        watch(session, "улица Ленина", created_at=FETCHED_AT)
    unrelated = body.replace("Подрядчик определён.", "Подрядчик сменился.")
    with session_scope(sessions) as session:
        edit = article_record(url, title="Ремонт", body_text=unrelated, fetched_at=LATER)
        save_article(session, edit, None)
        assert owed(session) == []  # the street was there before: nothing about it changed
    added = unrelated + "\n\nДвижение по улице Ленина закроют."
    with session_scope(sessions) as session:
        edit = article_record(url, title="Ремонт", body_text=added, fetched_at=LATER + timedelta(1))
        save_article(session, edit, None)
        assert owed(session) == [("edited", url)]
        row = session.scalars(select(Notification)).one()
        assert "+Движение по улице Ленина закроют." in row.payload["diff"]
        assert "закроют" in row.payload["excerpt"]


def test_removal_and_restoration_are_owed_only_for_articles_matched_before(
    sessions: sessionmaker[Session],
) -> None:
    matched, unmatched = NOVOSTI + "remont", NOVOSTI + "koncert"
    with session_scope(sessions) as session:
        watch(session, "улица Ленина")
        save_article(session, article_record(matched, title=STREET), None)
        save_article(session, article_record(unmatched, title="Концерт"), None)
    with session_scope(sessions) as session:
        for url in (matched, unmatched):
            article = session.scalars(select(Article).where(Article.url == url)).one()
            mark_removed(session, article, LATER, 404, None)
    with session_scope(sessions) as session:
        later = LATER + timedelta(days=1)
        save_article(session, article_record(matched, title=STREET, fetched_at=later), None)
        assert owed(session) == [("new", matched), ("removed", matched), ("restored", matched)]


def test_a_watch_owes_nothing_for_changes_written_before_it(
    sessions: sessionmaker[Session],
) -> None:
    with session_scope(sessions) as session:
        save_article(session, article_record(NOVOSTI + "remont", title=STREET), None)
        watch(session, "улица Ленина")
        assert owed(session) == []


def sent_through(
    sessions: sessionmaker[Session], now: datetime = LATER, retry: bool = False
) -> tuple[int, int, int]:
    summary = send_pending(sessions, now, MSK, retry)
    return summary.sent, summary.failed, summary.waiting


def test_a_webhook_gets_each_notification_once_with_the_link(
    sessions: sessionmaker[Session],
) -> None:
    url = NOVOSTI + "remont"
    with webhook_server() as hook:
        with session_scope(sessions) as session:
            watch(session, "улица Ленина", hook.json_url)
            save_article(session, article_record(url, title=STREET), None)
        assert sent_through(sessions) == (1, 0, 0)
        assert sent_through(sessions) == (0, 0, 0)  # a rerun sends nothing
    [post] = hook.accepted
    assert post["title"] == f"[beat] New article: {STREET}"
    assert url in post["message"]
    assert "*улицы* *Ленина*" in post["message"]  # plain text for a JSON webhook, words marked


def test_a_failed_send_is_retried_with_backoff_and_then_sent_once(
    sessions: sessionmaker[Session],
) -> None:
    with webhook_server() as hook:
        hook.status = 500
        with session_scope(sessions) as session:
            watch(session, "улица Ленина", hook.json_url)
            for slug in ("remont", "remont-2"):
                save_article(session, article_record(NOVOSTI + slug, title=STREET), None)
        assert sent_through(sessions) == (0, 2, 0)
        assert len(hook.refused) == 1  # a target that failed is not tried again in the pass
        with session_scope(sessions) as session:
            rows = session.scalars(select(Notification)).all()
            assert {(row.status, row.attempts) for row in rows} == {("failed", 1)}
            assert {row.next_attempt_at for row in rows} == {LATER + timedelta(minutes=5)}
        hook.status = 200
        assert sent_through(sessions, LATER + timedelta(minutes=1)) == (0, 0, 0)  # not yet
        assert sent_through(sessions, LATER + timedelta(minutes=6)) == (2, 0, 0)
        assert sent_through(sessions, LATER + timedelta(hours=6)) == (0, 0, 0)
    assert len(hook.accepted) == 2


def test_a_mail_arrives_in_html_with_the_marked_snippet_and_the_link(
    sessions: sessionmaker[Session],
) -> None:
    url = NOVOSTI + "remont"
    with smtp_server() as box:
        with session_scope(sessions) as session:
            watch(session, '"улица Ленина"', box.mailto())
            save_article(session, article_record(url, title=STREET), None)
        assert sent_through(sessions) == (1, 0, 0)
    [mail] = box.messages
    assert mail["Subject"] == f"[beat] New article: {STREET}"
    html = mail.get_body(("html",)).get_content()
    assert "<b>улицы</b> <b>Ленина</b>" in html
    assert f'<a href="{url}">' in html
    assert "01.06.2025 12:00" in html  # the publication time, in the site's zone


def test_a_digest_waits_for_its_period_and_sends_one_message(
    sessions: sessionmaker[Session],
) -> None:
    with webhook_server() as hook:
        with session_scope(sessions) as session:
            watch(session, "Ленина", hook.json_url, digest="daily")
            for n in (1, 2):
                save_article(session, article_record(f"{NOVOSTI}r{n}", title=STREET), None)
        same_day = FETCHED_AT + timedelta(hours=2)
        assert sent_through(sessions, same_day) == (0, 0, 2)
        assert sent_through(sessions, LATER) == (2, 0, 0)
    [post] = hook.accepted
    assert post["title"] == "[beat] 2 changes"
    assert f"{NOVOSTI}r1" in post["message"]
    assert f"{NOVOSTI}r2" in post["message"]


def test_targets_are_masked() -> None:
    assert "AAFsecretTOKENvalue" not in mask_target(TELEGRAM)
    assert mask_target("json://alice:s3cret@example.org/hook").startswith("json://…@example")
    assert "s3cret" not in mask_target("mailtos://alice:s3cret@example.org")
    assert mask_target("env:CITYNEWS_TELEGRAM") == "env:CITYNEWS_TELEGRAM"


def test_the_watch_commands_keep_secrets_masked(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    added = run_main(
        "watch", "add", "ремонт", "улица Ленина", "--notify", TELEGRAM, "--db", db, cwd=tmp_path
    )
    assert added.returncode == 0, added.stderr
    assert "env:NAME or file:/path" in added.stderr  # kept in the archive: the user is told
    listed = run_main("watch", "list", "--db", db, cwd=tmp_path)
    status = run_main("status", "--db", db, cwd=tmp_path)
    for result in (added, listed, status):
        assert "AAFsecretTOKENvalue" not in result.stdout + result.stderr
    assert "ремонт: улица Ленина" in listed.stdout
    assert "tgram://" in listed.stdout


def test_a_bad_query_or_target_is_one_line_and_saves_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    bad_query = run_main("watch", "add", "w", '"улица Ленина', "--db", db, cwd=tmp_path)
    one_line_error(bad_query, 2, "unbalanced quote")
    unknown = run_main(
        "watch", "add", "w", "Ленина", "--notify", "nosuch://x:secret@h", "--db", db, cwd=tmp_path
    )
    assert "secret" not in one_line_error(unknown, 2, "not a notification URL")
    assert not (tmp_path / "archive.sqlite3").exists()


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    secret = tmp_path / "telegram.url"
    secret.write_text(TELEGRAM + "\n")
    os.chmod(secret, 0o644)
    loose = run_main(
        "watch", "add", "w", "Ленина", "--notify", f"file:{secret}", "--db", db, cwd=tmp_path
    )
    one_line_error(loose, 2, f"chmod 600 {secret}")
    os.chmod(secret, 0o600)
    kept = run_main(
        "watch", "add", "w", "Ленина", "--notify", f"file:{secret}", "--db", db, cwd=tmp_path
    )
    assert kept.returncode == 0, kept.stderr
    assert "note:" not in kept.stderr
    listed = run_main("watch", "list", "--db", db, cwd=tmp_path)
    assert f"file:{secret}" in listed.stdout


def test_watch_test_and_run_send_through_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with webhook_server() as hook:
        env = {"CITYNEWS_HOOK": hook.json_url}
        add = ["watch", "add", "w", "Ленина", "--notify", "env:CITYNEWS_HOOK", "--db", db]
        assert run_main(*add, cwd=tmp_path, env=env).returncode == 0
        tested = run_main("watch", "test", "w", "--db", db, cwd=tmp_path, env=env)
        assert tested.returncode == 0, tested.stderr
        assert len(hook.accepted) == 1
        sessions = open_archive(db)
        with session_scope(sessions) as session:
            save_article(session, article_record(NOVOSTI + "remont", title=STREET), None)
        sessions.kw["bind"].dispose()
        hook.status = 503
        failed = run_main("watch", "run", "--db", db, cwd=tmp_path, env=env)
        one_line_error(failed, 1, "1 failed")
        status = run_main("status", "--db", db, cwd=tmp_path, env=env)
        assert "w → env:CITYNEWS_HOOK: 0 pending, 1 failed, next retry" in status.stdout
        as_json = run_main("status", "--format", "json", "--db", db, cwd=tmp_path, env=env)
        [waiting] = json.loads(as_json.stdout)["notifications"]
        assert (waiting["target"], waiting["failed"]) == ("env:CITYNEWS_HOOK", 1)
        assert "503" in waiting["last_error"]
        hook.status = 200
        retried = run_main("watch", "run", "--retry-failed", "--db", db, cwd=tmp_path, env=env)
        assert retried.returncode == 0, retried.stderr
        assert "notifications: 1 sent" in retried.stdout
        again = run_main("watch", "run", "--db", db, cwd=tmp_path, env=env)
        assert "notifications: 0 sent" in again.stdout
    assert [post["title"] for post in hook.accepted[1:]] == [f"[w] New article: {STREET}"]
    removed = run_main("watch", "remove", "w", "--db", db, cwd=tmp_path)
    assert removed.returncode == 0
    assert "no watches" in run_main("watch", "list", "--db", db, cwd=tmp_path).stdout


def test_only_the_words_an_edit_touched_count_as_changed() -> None:
    before = "Ремонт\nРаботы на улице Ленина начнутся в мае.\n\nПодрядчик определён."
    after = "Ремонт\nРаботы на улице Ленина начнутся в июне.\n\nПодрядчик определён."
    text = TextWords.of(after)
    changed = changed_words(before, after)
    assert [text.tokens[text.token_of_word[word]] for word in sorted(changed)] == ["июне."]


def test_a_document_version_whose_text_matches_is_owed_once_its_text_is_read(
    sessions: sessionmaker[Session],
) -> None:
    url, document_url = NOVOSTI + "postanovlenie", "https://www.smoladmin.ru/upload/p.pdf"
    attachments = [{"url": document_url, "title": "Постановление № 12"}]
    stored = StoredFile("ab" * 32, 1000, "pdf")
    text = Extraction(
        TextStatus.EXTRACTED, "pdf", 1, [ExtractedPart("О ремонте улицы Ленина в мае", "pdf", 1)]
    )
    with session_scope(sessions) as session:
        watch(session, "улица Ленина")
        save_article(
            session, article_record(url, title="Постановление", attachments=attachments), None
        )
        record_fetch(session, DocumentFetch(document_url, FETCHED_AT, FetchOutcome.NEW, stored))
        record_extraction(session, stored.sha256, text, LATER)
        record_extraction(session, stored.sha256, text, LATER + timedelta(days=1))  # read again
        assert owed(session) == [("document", url)]
        row = session.scalars(select(Notification)).one()
        assert row.payload["document"] == {"url": document_url, "title": "Постановление № 12"}


def test_a_message_too_long_for_telegram_is_cut_and_keeps_its_link() -> None:
    url = NOVOSTI + "remont"
    diff = [f"+Абзац {n}: работы на улице Ленина продолжаются." for n in range(400)]
    payload = {
        "title": STREET,
        "url": url,
        "section": "novosti",
        "published_at": None,
        "excerpt": "Ремонт улицы Ленина",
        "diff": diff,
    }
    msg = message("beat", parse_query("Ленина"), [Item("edited", payload)], MSK)
    telegram = apprise.Apprise.instantiate(TELEGRAM)
    body, body_format = body_of(telegram.notify_format, telegram.body_maxlen, msg)
    assert len(msg.html) > telegram.body_maxlen == 4096
    assert len(body) <= 4096
    assert url in body
    assert body_format == apprise.NotifyFormat.TEXT


def test_a_refused_sample_is_a_one_line_error_without_the_password(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with webhook_server() as hook:
        hook.status = 401
        target = hook.json_url.replace("json://", "json://alice:s3cret@")
        added = run_main(
            "watch", "add", "w", "Ленина", "--notify", target, "--db", db, cwd=tmp_path
        )
        assert added.returncode == 0, added.stderr
        tested = run_main("watch", "test", "w", "--db", db, cwd=tmp_path)
    line = one_line_error(tested, 1, "1 of 1 targets failed")
    assert "s3cret" not in line
    assert "alice" not in line
    assert len(hook.refused) == 1
