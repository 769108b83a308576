"""Search latency and index size on an archive of synthetic Russian articles.

    python bench/search_bench.py [--articles 100000] [--backend sqlite|postgresql] [--runs 200]
                                 [--db URL]

Words are real Russian word forms (bench/russian_words.py) whose lemmas follow a Zipf
distribution, so a common query word is in thousands of articles and a name in tens, as in a
real news corpus; the bench prints how many articles each single-word query matches.
Builds the archive (articles inserted in bulk, then `reindex`), then times `archive.search.running`
with snippets, as `citynews search` runs it, for single words, phrases and filtered queries:
p50 and p95 over --runs queries of each kind. PostgreSQL is started from the machine's binaries.
"""

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from archive.db import open_archive, session_scope  # noqa: E402
from archive.models import Article  # noqa: E402
from archive.search.index import reindex  # noqa: E402
from archive.search.query import parse_query  # noqa: E402
from archive.search.running import Filters, search  # noqa: E402
from bench.russian_words import ranked_lemmas  # noqa: E402
from bench.synthetic import article_row  # noqa: E402
from citynews.snippets import snippet  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
SECTIONS = ("novosti", "novosti-tos", "dvizhenie-transporta", "meropriyatiya")
# Common words (each in thousands of articles) and rare names (in tens), in case forms.
QUERIES = {
    "single word": [
        "ремонта",
        "улице",
        "дороги",
        "жителей",
        "городе",
        "ёлки",
        "библиотеки",
        "Новикова",
        "Зеленстроя",
        "Гнездово",
    ],
    "phrase": ['"улица Ленина"', '"детский сад"', '"отопительный сезон"', '"новогодняя ярмарка"'],
    "filtered": ["ремонт дороги", "концерт", "жители двора", "Новиков"],
}
PHRASES = ("улица Ленина", "детский сад", "отопительный сезон", "новогодняя ярмарка")


def sentence(
    rng: random.Random, lemmas: list[list[str]], cum_weights: list[float], length: int
) -> str:
    chosen = [rng.choice(forms) for forms in rng.choices(lemmas, cum_weights=cum_weights, k=length)]
    if rng.random() < 0.03:
        chosen.insert(rng.randrange(len(chosen)), rng.choice(PHRASES))
    return " ".join(chosen).capitalize() + "."


def build(db_url: str, count: int) -> float:
    rng = random.Random(20261125)
    words = ranked_lemmas(rng)
    weights = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(words))))
    sessions = open_archive(db_url)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    rows = []
    for number in range(count):
        moment = start + timedelta(minutes=53 * number)
        body = "\n\n".join(
            sentence(rng, words, weights, rng.randint(8, 20)) for _ in range(rng.randint(3, 8))
        )
        rows.append(
            article_row(
                number,
                rng.choice(SECTIONS),
                sentence(rng, words, weights, rng.randint(4, 9)),
                body,
                moment,
                rng.randint(50, 3000),
            )
        )
    with session_scope(sessions) as session:
        for first in range(0, count, 5000):
            session.execute(insert(Article), rows[first : first + 5000])
    started = time.perf_counter()
    with session_scope(sessions) as session:
        reindex(session)
    seconds = time.perf_counter() - started
    engine = sessions.kw["bind"]
    if engine.dialect.name == "postgresql":
        # What autovacuum does on a server soon after a bulk load: statistics for the planner,
        # the visibility map for index-only scans of the postings.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return seconds


def index_size(sessions) -> str:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            size = session.execute(
                text(
                    "SELECT pg_total_relation_size('search_documents') "
                    "+ pg_total_relation_size('search_postings')"
                )
            ).scalar()
        else:
            size = session.execute(
                text(
                    "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%' "
                    "OR name IN ('search_lemmas', 'search_postings')"
                )
            ).scalar()
    return f"{size / 1e6:.1f} MB"


def match_counts(sessions) -> str:  # type: ignore[no-untyped-def]
    """How many articles each single-word query matches (every match, not only the top 20)."""
    counts = []
    with session_scope(sessions) as session:
        for word in QUERIES["single word"]:
            hits = search(session, parse_query(word), Filters(), limit=1_000_000)
            counts.append(f"{word} {len(hits)}")
    return ", ".join(counts)


def measure(sessions, runs: int) -> dict[str, tuple[float, float, float]]:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    results = {}
    for kind, queries in QUERIES.items():
        timings, counts = [], []
        for _ in range(runs):
            query = parse_query(rng.choice(queries))
            filters = Filters()
            if kind == "filtered":
                since = datetime(rng.randint(2016, 2024), rng.randint(1, 12), 1, tzinfo=MSK)
                filters = Filters(
                    section=rng.choice(SECTIONS),
                    since=since,
                    until=since + timedelta(days=365),
                    min_views=rng.randint(100, 1500),
                )
            started = time.perf_counter()
            with session_scope(sessions) as session:
                hits = search(session, query, filters, limit=20)
                for hit in hits:
                    snippet(hit.article.body_text, query)
            timings.append((time.perf_counter() - started) * 1000)
            counts.append(len(hits))
        quantiles = statistics.quantiles(timings, n=100)
        results[kind] = (quantiles[49], quantiles[94], statistics.mean(counts))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--db", metavar="URL", help="time an archive this bench built before (no build, no size)"
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        if args.db:
            db_url = args.db
        elif args.backend == "postgresql":
            from tests.postgres import postgres_server

            db_url = stack.enter_context(postgres_server())
        else:
            db_url = f"sqlite:///{folder}/bench.sqlite3"
        if not args.db:
            seconds = build(db_url, args.articles)
            print(f"{args.articles} articles on {args.backend}: index built in {seconds:.1f} s")
        sessions = open_archive(db_url, migrate=False)
        if not args.db:
            print(f"index size: {index_size(sessions)}")
        print(f"articles matched: {match_counts(sessions)}")
        for kind, (p50, p95, hits) in measure(sessions, args.runs).items():
            print(f"{kind:<12} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({hits:.1f} hits of 20 max)")
        sessions.kw["bind"].dispose()


if __name__ == "__main__":
    main()
