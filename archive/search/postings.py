"""Search postings: one row per (lemma, article) with a precomputed weight, on both backends.

A single-word query is answered from `search_postings` alone: the postings of the word's lemmas,
the best weight per article, the top ones. No document is read or ranked at query time, so a
common word costs an index range scan however many articles hold it. An article holding a lemma
in its title gets TITLE_BONUS on top of its weight, which makes every title match outrank every
text-only match; below that, the weight is BM25's saturated term frequency, title words counting
TITLE_WEIGHT times. Weights are computed here, the same on SQLite and PostgreSQL.
"""

from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import Float, Integer, TextualSelect, bindparam, text
from sqlalchemy.orm import Session

from archive.search.lemmas import lemmas

TITLE_WEIGHT = 10.0
TITLE_BONUS = 1000.0
# BM25's constants, and the typical lengths in words of a title and a text on the site.
K1 = 1.2
B = 0.75
TITLE_WORDS = 10
BODY_WORDS = 200

INSERT = "INSERT INTO search_postings (lemma, article_id, weight) VALUES (?, ?, ?)"
# The top articles for one query word, given the lemmas of that word; bound, never interpolated.
SINGLE_WORD_SQL = (
    "SELECT article_id, max(weight) AS weight FROM search_postings WHERE lemma IN :lemmas"
)
LIMIT_WITH_TIES = " FETCH FIRST (:limit) ROWS WITH TIES"


def _saturated(count: int, length: int, typical: int) -> float:
    return count * (K1 + 1) / (count + K1 * (1 - B + B * length / typical))


def lemma_weights(title: list[str], body: list[str]) -> tuple[tuple[str, float], ...]:
    """Each lemma of an article's normalised title and text words, with its posting's weight."""
    in_title = Counter(lemma for word in title for lemma in lemmas(word))
    in_body = Counter(lemma for word in body for lemma in lemmas(word))
    weights = []
    for lemma in sorted(in_title.keys() | in_body.keys()):
        weight = TITLE_WEIGHT * _saturated(in_title[lemma], len(title), TITLE_WORDS)
        weight += _saturated(in_body[lemma], len(body), BODY_WORDS)
        if in_title[lemma]:
            weight += TITLE_BONUS
        weights.append((lemma, weight))
    return tuple(weights)


def replace_postings(
    session: Session,
    article_id: int,
    old_lemmas: Iterable[str],
    weights: Iterable[tuple[str, float]],
) -> None:
    """Replace an article's postings (its previously indexed lemmas given) with its lemmas'
    new weights."""
    old = sorted(set(old_lemmas))
    if old:
        session.execute(
            text(
                "DELETE FROM search_postings WHERE article_id = :id AND lemma IN :lemmas"
            ).bindparams(bindparam("lemmas", expanding=True)),
            {"id": article_id, "lemmas": old},
        )
    add_postings(session, [(lemma, article_id, weight) for lemma, weight in weights])


def add_postings(session: Session, rows: list[tuple[str, int, float]]) -> None:
    """Add many (lemma, article id, weight) postings at once: on PostgreSQL by COPY, on SQLite
    through the driver's executemany (SQLAlchemy's per-row parameter handling cost more than
    SQLite's inserts: tens of thousands of rows a second when a crawl writes)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.exec_driver_sql(INSERT, rows)
        return
    dbapi_connection = connection.connection.dbapi_connection
    with (
        dbapi_connection.cursor() as cursor,  # type: ignore[union-attr]
        cursor.copy("COPY search_postings (lemma, article_id, weight) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _scored(best: str) -> str:
    """(article_id, score, title_match) from a subquery of (article_id, best weight)."""
    return (
        f"SELECT article_id, weight - CASE WHEN weight >= {TITLE_BONUS} THEN {TITLE_BONUS} "
        "ELSE 0 END AS score, "
        f"CASE WHEN weight >= {TITLE_BONUS} THEN 1 ELSE 0 END AS title_match "
        f"FROM ({best}) AS best"
    )


def single_word_matches(within: str) -> TextualSelect:
    """The best `:limit` articles holding one of a word's lemmas: (article_id, score, title_match).

    `within` restricts them (' AND ID IN (…)', ID standing for the article id column).
    """
    where = within.replace(" ID ", " article_id ")
    return (
        text(
            _scored(
                f"{SINGLE_WORD_SQL}{where} GROUP BY article_id "
                "ORDER BY max(weight) DESC LIMIT :limit"
            )
        )
        .bindparams(bindparam("lemmas", expanding=True))
        .columns(article_id=Integer, score=Float, title_match=Integer)
    )


def postgres_single_word_matches(within: str, lemmas: Sequence[str]) -> TextualSelect:
    """`single_word_matches` on PostgreSQL, reading each lemma's postings best first.

    The index on (lemma, weight DESC, article_id) gives each lemma's best `:limit` postings (ties
    at the limit kept) without reading the rest; the best weight per article among those is
    exact: an article among the best overall is among the best of the lemma where it scores
    its best. Each lemma is its own bound parameter, so the planner knows how common it is when
    it chooses how to apply `within` (as for `single_word_matches`): on each posting read, or
    by joining the filtered articles first.
    """
    where = within.replace(" ID ", " article_id ")
    each_lemma = " UNION ALL ".join(
        f"(SELECT article_id, weight FROM search_postings WHERE lemma = :lemma_{number}{where} "
        f"ORDER BY weight DESC{LIMIT_WITH_TIES})"
        for number in range(len(lemmas))
    )
    return (
        text(
            _scored(
                f"SELECT article_id, max(weight) AS weight FROM ({each_lemma}) AS each_lemma "
                f"GROUP BY article_id ORDER BY max(weight) DESC{LIMIT_WITH_TIES}"
            )
        )
        .bindparams(*(bindparam(f"lemma_{number}", lemma) for number, lemma in enumerate(lemmas)))
        .columns(article_id=Integer, score=Float, title_match=Integer)
    )
