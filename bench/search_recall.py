"""Recall of the old Snowball stems beside the new dictionary lemmas, over tests/search_pairs.py.

    python bench/search_recall.py

Each pair's document is archived (SQLite, through the archive's write path) and its query run
with `archive.search.running`, as `citynews search` does; the Snowball column replays the previous
index (stems of the normalised words, phrases over stems) on the same pairs. Recall is the share
of pairs that must match and do; wrong matches count the pairs that must not match and do.
"""

import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import snowballstemmer  # noqa: E402

from tests.search_pairs import PAIRS, Pair  # noqa: E402

WORD_RE = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
STEMMER = snowballstemmer.stemmer("russian")


def stems(text: str) -> list[str]:
    """The previous index's terms: Snowball stems of the lower-cased words, ё as е."""
    return STEMMER.stemWords(WORD_RE.findall(text.lower().replace("ё", "е")))


def snowball_matches(pair: Pair) -> bool:
    """Whether the previous search found the pair's document: every phrase of stems, in order."""
    document = stems(pair.document)
    phrases = []
    for index, part in enumerate(pair.query.split('"')):
        if index % 2:
            phrases.append(stems(part))
        else:
            phrases.extend([stem] for stem in stems(part))
    return all(
        any(document[at : at + len(phrase)] == phrase for at in range(len(document)))
        for phrase in phrases
    )


def lemma_matches(db_url: str) -> list[bool]:
    """Whether today's search finds each pair's document in a real archive."""
    from datetime import UTC, datetime

    from archive.articles import save_article
    from archive.crawl_records import ArticleRecord
    from archive.db import open_archive, session_scope
    from archive.search.query import parse_query
    from archive.search.running import Filters, search

    host = "https://www.smoladmin.ru/press-centr/novosti/pair-"
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        for number, pair in enumerate(PAIRS):
            moment = datetime(2026, 1, 1, tzinfo=UTC)
            record = ArticleRecord(
                url=f"{host}{number}",
                section="novosti",
                fetched_url=f"{host}{number}",
                fetched_at=moment,
                title="Новости города",
                body_text=pair.document,
                published_at=moment,
                published_precision="minute",
                published_source="meta-line",
            )
            save_article(session, record, None)
    results = []
    with session_scope(sessions) as session:
        for number, pair in enumerate(PAIRS):
            hits = search(session, parse_query(pair.query), Filters(), limit=len(PAIRS))
            results.append(f"{host}{number}" in {hit.article.url for hit in hits})
    sessions.kw["bind"].dispose()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        lemmas = lemma_matches(f"sqlite:///{folder}/recall.sqlite3")
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pair, found_now in zip(PAIRS, lemmas, strict=True):
        kind = "must not match" if not pair.matches else pair.kind
        rows[kind][0] += 1
        rows[kind][1] += snowball_matches(pair)
        rows[kind][2] += found_now
    print("| pairs | count | Snowball stems | dictionary lemmas |\n|---|---:|---:|---:|")
    for kind, (count, old, new) in rows.items():
        label = "wrong matches" if kind == "must not match" else "recall"
        print(f"| {kind} ({label}) | {count} | {old}/{count} | {new}/{count} |")
    positive = [(pair, now) for pair, now in zip(PAIRS, lemmas, strict=True) if pair.matches]
    old_recall = sum(snowball_matches(p) for p, _ in positive) / len(positive)
    new_recall = sum(now for _, now in positive) / len(positive)
    print(
        f"| all that must match (recall) | {len(positive)} | {old_recall:.0%} | {new_recall:.0%} |"
    )
    for pair, found_now in zip(PAIRS, lemmas, strict=True):
        if snowball_matches(pair) != pair.matches or found_now != pair.matches:
            print(
                f"  {pair.query!r} / {pair.document!r}: expected {pair.matches}, "
                f"Snowball {snowball_matches(pair)}, lemmas {found_now}"
            )


if __name__ == "__main__":
    main()
