"""Watches over real crawls of the fixture site: a new article, an edit that adds the watched
words, and the removal of a matched article reach a webhook and a mailbox after the crawl, once
each; a mail server that is down fails its sends without failing the crawl, and they arrive
when it is back; a crawl killed while sending leaves nothing lost and nothing sent twice."""

import signal
import subprocess
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import SiteServer
from tests.support.cli import run_citynews, run_main, start_citynews
from tests.support.crawled import CrawledArchives
from tests.support.receivers import Webhook, free_port, smtp_server, webhook_server

pytestmark = pytest.mark.e2e

MSK = ZoneInfo("Europe/Moscow")
NOVOSTI = "/press-centr/novosti/"
WATCHED = "Зеленстрой"
MATCHING = NOVOSTI + "zelenstroj-vysadil-lipy"
EDITED = NOVOSTI + "remont-fontana"
LATE = NOVOSTI + "zelenstroj-ubral-listvu"


def published(slug: str, title: str, *paragraphs: str) -> dict:
    when = (datetime.now(MSK) - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    return {
        "section": "novosti",
        "slug": slug,
        "title": title,
        "when": when,
        "paragraphs": list(paragraphs),
    }


@dataclass
class Watched:
    """A crawled archive with a watch sending to a webhook and to a mail server that is down,
    after the site published, edited and removed articles across two crawls."""

    db: str
    workdir: Path
    site: SiteServer
    hook: Webhook
    mail_port: int
    crawls: list[subprocess.CompletedProcess]

    def crawl(self) -> subprocess.CompletedProcess:
        result = run_citynews(
            "crawl", "--site-url", self.site.url, "--db", self.db, cwd=self.workdir
        )
        self.crawls.append(result)
        return result


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory, crawled_archives: CrawledArchives):
    workdir = tmp_path_factory.mktemp("watched")
    db = crawled_archives.copy(workdir / "archive.sqlite3")
    site = SiteServer()
    with webhook_server() as hook:
        mail_port = free_port()
        mailto = f"mailto://127.0.0.1:{mail_port}?from=watch@example.org&to=desk@example.org"
        added = run_main(
            "watch",
            "add",
            "parks",
            WATCHED,
            "--notify",
            hook.json_url,
            "--notify",
            mailto,
            "--db",
            db,
            cwd=workdir,
        )
        assert added.returncode == 0, added.stderr
        state = Watched(db, workdir, site, hook, mail_port, [])
        try:
            site.change(
                publish=[
                    published(
                        "zelenstroj-vysadil-lipy",
                        "«Зеленстрой» высадил липы",
                        "Липы высадили в сквере на улице Дзержинского.",
                    ),
                    published("remont-fontana", "Ремонт фонтана", "Фонтан в Лопатинском саду."),
                ]
            )
            state.crawl()
            site.change(
                edit_body={
                    EDITED: [
                        "Фонтан в Лопатинском саду.",
                        "Работы выполнит «Зеленстрой» до конца месяца.",
                    ]
                },
                delete=[MATCHING],
            )
            state.crawl()
            yield state
        finally:
            site.stop()


def kinds(posts: list[dict]) -> list[str]:
    return sorted(post["title"].split(":")[0] for post in posts)


def test_crawls_succeed_though_the_mail_server_is_down(watched: Watched) -> None:
    assert [crawl.returncode for crawl in watched.crawls] == [0, 0], watched.crawls[-1].stderr
    assert "failed" in watched.crawls[-1].stderr  # the crawl says so, and succeeds


def test_new_edited_and_removed_reach_the_webhook_once_each(watched: Watched) -> None:
    posts = watched.hook.accepted
    assert kinds(posts) == [
        "[parks] Edited",
        "[parks] New article",
        "[parks] Removed from the site",
    ]
    edited = next(post for post in posts if post["title"].startswith("[parks] Edited"))
    assert "+Работы выполнит «Зеленстрой» до конца месяца." in edited["message"]
    assert "-Фонтан" not in edited["message"]  # the unchanged paragraph is not a change
    assert all("https://www.smoladmin.ru" + NOVOSTI in post["message"] for post in posts)
    rerun = run_main("watch", "run", "--db", watched.db, cwd=watched.workdir)
    assert "notifications: 0 sent" in rerun.stdout
    assert len(watched.hook.accepted) == 3


def test_status_shows_the_failed_mails_masked_and_they_arrive_when_the_server_is_back(
    watched: Watched,
) -> None:
    status = run_main("status", "--db", watched.db, cwd=watched.workdir)
    assert "parks → mailto://127.0.0.1:" in status.stdout
    assert "0 pending, 3 failed, next retry" in status.stdout
    with smtp_server(watched.mail_port) as box:
        sent = run_main("watch", "run", "--retry-failed", "--db", watched.db, cwd=watched.workdir)
        again = run_main("watch", "run", "--retry-failed", "--db", watched.db, cwd=watched.workdir)
    assert sent.returncode == 0, sent.stderr
    assert "notifications: 3 sent" in sent.stdout
    assert "notifications: 0 sent" in again.stdout
    subjects = sorted(str(mail["Subject"]).split(":")[0] for mail in box.messages)
    assert subjects == ["[parks] Edited", "[parks] New article", "[parks] Removed from the site"]
    new = next(mail for mail in box.messages if "New article" in str(mail["Subject"]))
    html = new.get_body(("html",)).get_content()
    assert "<b>«Зеленстрой»</b>" in html
    assert f'href="https://www.smoladmin.ru{MATCHING}"' in html


def test_a_crawl_killed_while_sending_loses_nothing_and_sends_once(watched: Watched) -> None:
    hook = watched.hook
    hook.arrived.clear()
    hook.hold = held = threading.Event()
    watched.site.change(
        publish=[
            published("zelenstroj-ubral-listvu", "«Зеленстрой» убрал листву", "Листву убрали."),
        ]
    )
    crawl = start_citynews(
        "crawl", "--site-url", watched.site.url, "--db", watched.db, cwd=watched.workdir
    )
    try:
        assert hook.arrived.wait(timeout=300), "the crawl never sent"
    finally:
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()
    hook.hold = None
    held.set()
    before = len(hook.accepted)
    with smtp_server(watched.mail_port):
        sent = run_main("watch", "run", "--db", watched.db, cwd=watched.workdir)
        again = run_main("watch", "run", "--db", watched.db, cwd=watched.workdir)
    assert sent.returncode == 0, sent.stderr
    assert "notifications: 0 sent" in again.stdout
    late = [post for post in hook.accepted[before:] if "убрал листву" in post["title"]]
    assert len(late) == 1
    assert f"https://www.smoladmin.ru{LATE}" in late[0]["message"]
