"""Search latency and index size on an archive of synthetic Russian articles and documents.

    python bench/search_bench.py [--articles 100000] [--documents 5000] [--runs 200]
                                 [--backend sqlite|postgresql] [--db URL]

Words are real Russian word forms (bench/russian_words.py) whose lemmas follow a Zipf
distribution, so a common query word is in thousands of articles and a name in tens, as in a
real news corpus; the bench prints how many articles each single-word query matches.
Builds the archive (articles inserted in bulk, then `reindex`), then times `archive.search.running`
with snippets, as `citynews search` runs it, for single words, phrases and filtered queries:
p50 and p95 over --runs queries of each kind. PostgreSQL is started from the machine's binaries.

Documents: --documents articles each link one document of 1–8 pages of 150–400 words (the same
vocabulary), stored as extraction stores them. The bench prints the time to index 1,000 pages
of documents, in bulk (`reindex`) and as extraction writes them (`record_extraction`, one
file at a time, committed), and times the queries in each `--in` scope: `articles`, `documents`
and `all` (the command's default: the articles' own matches, then those found by documents).
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
from archive.documents import ExtractedPart, Extraction, TextStatus, record_extraction  # noqa: E402
from archive.models import (  # noqa: E402
    Article,
    ArticleDocument,
    Document,
    DocumentFile,
    DocumentPart,
)
from archive.search.index import reindex, reindex_document_parts  # noqa: E402
from archive.search.query import parse_query  # noqa: E402
from archive.search.running import Filters, Scope, search  # noqa: E402
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


def build(db_url: str, count: int, documents: int) -> tuple[float, int, float]:
    """Build the archive; return the articles' index time, and the pages of documents and
    their index time."""
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
    with session_scope(sessions) as session:
        pages = add_documents(session, rng, words, weights, documents)
    started = time.perf_counter()
    with session_scope(sessions) as session:
        reindex_document_parts(session)
    pages_seconds = time.perf_counter() - started
    engine = sessions.kw["bind"]
    if engine.dialect.name == "postgresql":
        # What autovacuum does on a server soon after a bulk load: statistics for the planner,
        # the visibility map for index-only scans of the postings.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return seconds, pages, pages_seconds


def document_pages(
    rng: random.Random, lemmas: list[list[str]], cum_weights: list[float]
) -> list[str]:
    """The text of a document's pages: 1–8 pages of 150–400 words."""
    pages = []
    for _ in range(rng.randint(1, 8)):
        target, page = rng.randint(150, 400), []
        while sum(len(line.split()) for line in page) < target:
            page.append(sentence(rng, lemmas, cum_weights, rng.randint(8, 20)))
        pages.append(" ".join(page))
    return pages


def add_documents(
    session, rng: random.Random, lemmas: list[list[str]], cum_weights: list[float], count: int
) -> int:  # type: ignore[no-untyped-def]
    """Link `count` articles to a document each, its text stored as extraction stores it;
    return how many pages."""
    ids = list(session.scalars(text("SELECT id FROM articles ORDER BY id")))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    pages = 0
    for number, article_id in enumerate(rng.sample(ids, count), start=1):
        sha256 = f"{number:064x}"
        session.add(DocumentFile(sha256=sha256, size=50_000, kind="pdf", stored_at=at,
                                 text_status="extracted", notes=[]))  # fmt: skip
        document = Document(url=f"https://www.smoladmin.ru/upload/{number}.pdf",
                            first_seen_at=at, sha256=sha256)  # fmt: skip
        session.add(document)
        session.flush()
        session.add(ArticleDocument(article_id=article_id, document_id=document.id,
                                    title=f"Постановление № {number}", first_seen_at=at,
                                    last_seen_at=at))  # fmt: skip
        texts = document_pages(rng, lemmas, cum_weights)
        session.execute(
            insert(DocumentPart),
            [
                {"sha256": sha256, "position": n, "page": n + 1, "method": "text-layer",
                 "text": page}
                for n, page in enumerate(texts)
            ],
        )  # fmt: skip
        pages += len(texts)
    return pages


def extraction_index_seconds(sessions, pages_wanted: int = 1000) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Seconds to store and index `pages_wanted` pages as extraction does: `record_extraction`
    of one file at a time, each committed; return (pages, seconds)."""
    rng = random.Random(11)
    words = ranked_lemmas(rng)
    weights = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(words))))
    at = datetime(2026, 2, 1, tzinfo=UTC)
    files = []
    while sum(len(texts) for _, texts in files) < pages_wanted:
        files.append(
            (f"{len(files) + 1:064x}".replace("0", "f", 1), document_pages(rng, words, weights))
        )
    with session_scope(sessions) as session:
        for sha256, _ in files:
            session.add(DocumentFile(sha256=sha256, size=50_000, kind="pdf", stored_at=at,
                                     text_status="waiting", notes=[]))  # fmt: skip
    started = time.perf_counter()
    for sha256, texts in files:
        parts = [ExtractedPart(page, "text-layer", page=n + 1) for n, page in enumerate(texts)]
        extraction = Extraction(TextStatus.EXTRACTED, "text-layer", len(texts), parts)
        with session_scope(sessions) as session:
            record_extraction(session, sha256, extraction, at)
    return sum(len(texts) for _, texts in files), time.perf_counter() - started


def index_size(sessions) -> str:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            size = session.execute(
                text(
                    "SELECT pg_total_relation_size('search_documents') "
                    "+ pg_total_relation_size('search_postings') "
                    "+ pg_total_relation_size('search_document_parts')"
                )
            ).scalar()
        else:
            size = session.execute(
                text(
                    "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%' "
                    "OR name LIKE 'document_parts_fts%' "
                    "OR name IN ('search_lemmas', 'search_postings', 'search_document_parts')"
                )
            ).scalar()
    return f"{size / 1e6:.1f} MB"


def match_counts(sessions, scope: Scope) -> str:  # type: ignore[no-untyped-def]
    """How many articles each single-word query matches (every match, not only the top 20)."""
    counts = []
    with session_scope(sessions) as session:
        for word in QUERIES["single word"]:
            hits = search(session, parse_query(word), Filters(), 1_000_000, scope)
            counts.append(f"{word} {len(hits)}")
    return ", ".join(counts)


def measure(sessions, runs: int, scope: Scope) -> dict[str, tuple[float, float, float]]:  # type: ignore[no-untyped-def]
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
                hits = search(session, query, filters, 20, scope)
                for hit in hits:
                    snippet(hit.document.text if hit.document else hit.article.body_text, query)
            timings.append((time.perf_counter() - started) * 1000)
            counts.append(len(hits))
        quantiles = statistics.quantiles(timings, n=100)
        results[kind] = (quantiles[49], quantiles[94], statistics.mean(counts))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=5_000, help="articles with a document")
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
            seconds, pages, pages_seconds = build(db_url, args.articles, args.documents)
            print(f"{args.articles} articles on {args.backend}: index built in {seconds:.1f} s")
            print(
                f"{args.documents} documents, {pages} pages: indexed in {pages_seconds:.1f} s "
                f"({1000 * pages_seconds / max(pages, 1):.1f} s per 1,000 pages, reindex)"
            )
        sessions = open_archive(db_url, migrate=False)
        if not args.db:
            print(f"index size: {index_size(sessions)}")
            written, written_seconds = extraction_index_seconds(sessions)
            print(
                f"record_extraction: {written} pages stored and indexed in {written_seconds:.1f} s "
                f"({1000 * written_seconds / written:.1f} s per 1,000 pages)"
            )
        for scope in Scope:
            print(f"--in {scope}: articles matched: {match_counts(sessions, scope)}")
            for kind, (p50, p95, hits) in measure(sessions, args.runs, scope).items():
                print(
                    f"  {kind:<12} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                    f"({hits:.1f} hits of 20 max)"
                )
        sessions.kw["bind"].dispose()


if __name__ == "__main__":
    main()
