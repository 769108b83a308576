"""An archive that three crawl runs changed: articles first seen, edited, removed and restored,
written through the archive's own functions as a crawl writes them."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from archive.articles import save_article
from archive.db import open_archive, session_scope
from archive.fetches import mark_removed
from archive.models import Article, CrawlRun
from archive.runs import finish_run, start_run
from tests.support.records import NOVOSTI, article_record

TOS = "https://www.smoladmin.ru/gostyam-i-zhitelyam/obschestvennoe-samoupravlenie/novosti-tos/"
BRIDGE = f"{NOVOSTI}most-cherez-dnepr"
PARK = f"{NOVOSTI}park-pobedy"
SQUARE = f"{NOVOSTI}skver-na-bolshoy-sovetskoy"
YARD = f"{TOS}dvor-na-nahimova"
BRIDGE_TEXT = "Ремонт моста через Днепр начнётся в марте.\n\nПодрядчик выбран на торгах."
BRIDGE_EDITED = (
    "Ремонт моста через Днепр начнётся в апреле.\n\nПодрядчик выбран на торгах.\n\n"
    "Движение перекроют на две недели."
)


def run_at(session: Session, started_at: datetime) -> CrawlRun:
    return start_run(session, started_at, "incremental", "https://www.smoladmin.ru", [])


def first_run(session: Session, started_at: datetime) -> None:
    """Run 1: the bridge, the park and the square are seen for the first time."""
    run = run_at(session, started_at)
    for minutes, (url, body) in enumerate(
        ((BRIDGE, BRIDGE_TEXT), (PARK, "Парк Победы благоустроят."), (SQUARE, "Сквер обновят.")),
        start=1,
    ):
        at = started_at + timedelta(minutes=minutes)
        save_article(session, article_record(url, fetched_at=at, body_text=body), run)
    finish_run(session, run, started_at + timedelta(minutes=30), "completed", None)


def second_run(session: Session, started_at: datetime) -> None:
    """Run 2: the bridge article is edited, the park's is removed (404), a TOS article is new."""
    run = run_at(session, started_at)
    edited = article_record(
        BRIDGE,
        fetched_at=started_at + timedelta(minutes=1),
        title="Ремонт моста перенесли",
        body_text=BRIDGE_EDITED,
    )
    save_article(session, edited, run)
    park = session.query(Article).filter_by(url=PARK).one()
    mark_removed(session, park, started_at + timedelta(minutes=2), 404, run)
    yard = article_record(
        YARD,
        section="novosti-tos",
        fetched_at=started_at + timedelta(minutes=3),
        title="Двор на Нахимова",
        body_text="Жители двора на Нахимова выбрали проект.",
    )
    save_article(session, yard, run)
    finish_run(session, run, started_at + timedelta(minutes=30), "completed", None)


def third_run(session: Session, started_at: datetime) -> None:
    """Run 3: the park's article answers again (restored)."""
    run = run_at(session, started_at)
    again = article_record(
        PARK, fetched_at=started_at + timedelta(minutes=1), body_text="Парк Победы благоустроят."
    )
    save_article(session, again, run)
    finish_run(session, run, started_at + timedelta(minutes=30), "completed", None)


FIRST_RUN = datetime(2026, 1, 5, 9, tzinfo=UTC)
RUNS = (first_run, second_run, third_run)


def changed_archive(db_url: str, runs: int = 3, done: int = 0) -> str:
    """The archive at db_url after crawl runs done+1 … runs, each a day after the one before
    from FIRST_RUN (runs 1 … done are already in it; with done 0 it is empty)."""
    sessions = open_archive(db_url)
    try:
        for number in range(done, runs):
            with session_scope(sessions) as session:
                RUNS[number](session, FIRST_RUN + timedelta(days=number))
    finally:
        sessions.kw["bind"].dispose()
    return db_url
