"""What the watches cost the crawl's writer: articles written in batches, as the archive writer
writes them, with no watch and with 20 watches.

    python bench/watch_queue.py [--articles 2000] [--batch 50] [--watches 20] [--runs 3]

Each run writes --articles new articles (about 300 words of Russian news text each) into a fresh
SQLite archive, then the same articles again with a paragraph added to each (every one an
edit). Prints the median seconds of each pass per number of watches, and how many
notifications the watches queued. The watches' queries are ordinary words and phrases of the
text, a quarter of them matching most articles.
"""

import argparse
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from archive.articles import save_article  # noqa: E402
from archive.batch_writes import ArticleBatch  # noqa: E402
from archive.db import open_archive, session_scope  # noqa: E402
from archive.models import Notification  # noqa: E402
from archive.watches import add_watch  # noqa: E402
from bench.synthetic import median_seconds  # noqa: E402
from tests.support.records import NOVOSTI, article_record  # noqa: E402

NEWS_TEXT = (
    "администрация города Смоленска сообщает что на улице Ленина начался ремонт дороги "
    "подрядчик Зеленстрой высадил деревья в сквере у парка культуры жители района обратились "
    "к главе города с просьбой о благоустройстве двора школы номер глава администрации провёл "
    "совещание по вопросам жилищно коммунального хозяйства отопительный сезон начнётся в "
    "октябре аукцион на выполнение работ объявлен управлением строительства"
)
WORDS = NEWS_TEXT.split(" ")
QUERIES = [
    "Зеленстрой",
    '"улица Ленина"',
    "аукцион подрядчик",
    "отопительный сезон",
    "мост",
    "Днепр",
    '"Лопатинский сад"',
    "фонтан",
    "выставка",
    "библиотека",
    "троллейбус",
    "снегопад",
    "Заднепровский район",
    "субботник",
    "ветеран",
    "музей",
    "стадион Спартак",
    "трамвай",
    "паводок",
    "автобус",
]
START = datetime(2026, 1, 1, tzinfo=UTC)


def text(rng: random.Random, words: int) -> str:
    return "\n\n".join(
        " ".join(rng.choice(WORDS) for _ in range(words // 5)).capitalize() + "." for _ in range(5)
    )


def write_pass(db: str, bodies: list[str], batch: int, fetched_at: datetime) -> None:
    sessions = open_archive(db)
    for start in range(0, len(bodies), batch):
        urls = [f"{NOVOSTI}n{i}" for i in range(start, min(start + batch, len(bodies)))]
        with session_scope(sessions) as session:
            written = ArticleBatch.load(session, urls)
            for i, url in enumerate(urls, start):
                record = article_record(url, body_text=bodies[i], fetched_at=fetched_at)
                save_article(session, record, None, written)
            written.write(session)
    sessions.kw["bind"].dispose()


def one_run(folder: Path, articles: int, batch: int, watches: int) -> tuple[float, float, int]:
    rng = random.Random(7)
    bodies = [text(rng, 300) for _ in range(articles)]
    edited = [body + "\n\n" + text(rng, 40) for body in bodies]
    db = f"sqlite:///{tempfile.mkstemp(suffix='.sqlite3', dir=folder)[1]}"
    sessions = open_archive(db)
    with session_scope(sessions) as session:
        for n in range(watches):
            target = f"json://127.0.0.1:9/{n}"
            add_watch(session, f"w{n}", QUERIES[n % len(QUERIES)], [], [target], "none", START)
    sessions.kw["bind"].dispose()
    new = median_seconds(1, lambda: write_pass(db, bodies, batch, START + timedelta(hours=1)))
    edit = median_seconds(1, lambda: write_pass(db, edited, batch, START + timedelta(hours=2)))
    sessions = open_archive(db)
    with session_scope(sessions) as session:
        queued = session.scalar(select(func.count()).select_from(Notification)) or 0
    sessions.kw["bind"].dispose()
    return new, edit, queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--watches", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        one_run(Path(folder), 50, args.batch, 1)  # warm the lemma cache and the imports
        for watches in (0, args.watches):
            results = [
                one_run(Path(folder), args.articles, args.batch, watches) for _ in range(args.runs)
            ]
            new = sorted(r[0] for r in results)[len(results) // 2]
            edit = sorted(r[1] for r in results)[len(results) // 2]
            print(
                f"{watches:3d} watches: {args.articles} new articles {new:6.2f} s, "
                f"{args.articles} edits {edit:6.2f} s, {results[0][2]} notifications queued"
            )


if __name__ == "__main__":
    main()
