"""Search queries: words and "quoted phrases", parsed into lemmas, with their FTS5 and tsquery
expressions. A query that cannot be searched raises QueryError saying how to fix it."""

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from archive.search.lemmas import MAX_WORD_LENGTH, WORD_RE, lemmas, words

OPERATOR_RE = re.compile(r"[*()^:+|&!<>{}\[\]~=\\/]|(?:^|\s)-")
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "NEAR"})
# FTS5 has no alternatives inside a phrase: a phrase becomes the OR of its readings, at most this
# many (a phrase of five ordinary words has a few dozen).
MAX_PHRASE_READINGS = 4096
# The lexicon's (lemma, term) pairs for a JSON array of lemmas; bound, never interpolated.
LEXICON_SQL = (
    "SELECT lemma, token FROM search_lemmas WHERE lemma IN (SELECT value FROM json_each(:lemmas))"
)


class QueryError(ValueError):
    """A query that cannot be searched; the message says how to fix it."""


Word = tuple[str, ...]  # the lemmas of one query word


@dataclass(frozen=True)
class Query:
    """A parsed query: phrases of words, each word the tuple of its lemmas."""

    text: str
    phrases: tuple[tuple[Word, ...], ...]

    @property
    def lemmas(self) -> set[str]:
        return {lemma for phrase in self.phrases for word in phrase for lemma in word}

    def fts5(self, lexicon: Mapping[str, Iterable[str]], columns: str = "title body") -> str:
        """The FTS5 MATCH expression, given the index terms holding each lemma (`lexicon_of`)."""
        parts = []
        for phrase in self.phrases:
            choices = [
                sorted({*word, *(term for lemma in word for term in lexicon.get(lemma, ()))})
                for word in phrase
            ]
            readings = 1
            for choice in choices:
                readings *= len(choice)
            if readings > MAX_PHRASE_READINGS:
                raise QueryError(
                    f'the phrase "{" ".join(word[0] for word in phrase)}" has too many readings '
                    "to search: shorten it, or search its words unquoted"
                )
            variants = ('"' + " ".join(terms) + '"' for terms in itertools.product(*choices))
            parts.append("(" + " OR ".join(variants) + ")")
        return f"{{{columns}}} : ({' AND '.join(parts)})"

    def tsquery(self) -> str:
        """The PostgreSQL tsquery (cast, not parsed: the lemmas are the lexemes)."""
        return " & ".join(
            "(" + " <-> ".join(_any(f"'{lemma}'" for lemma in word) for word in phrase) + ")"
            for phrase in self.phrases
        )


def _any(terms: Iterable[str]) -> str:
    listed = list(terms)
    return listed[0] if len(listed) == 1 else "(" + " | ".join(listed) + ")"


def lexicon_of(rows: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Lemma -> the multi-lemma index terms that hold it, from `LEXICON_SQL` rows."""
    lexicon: dict[str, set[str]] = {}
    for lemma, term in rows:
        lexicon.setdefault(lemma, set()).add(term)
    return lexicon


def parse_query(query: str) -> Query:
    """Parse words and "quoted phrases", or raise QueryError saying what is wrong."""
    if not query.strip():
        raise QueryError("empty query: give one or more words")
    if query.count('"') % 2:
        raise QueryError('unbalanced quote: close the phrase with another "')
    check_word_lengths(query)
    phrases: list[tuple[Word, ...]] = []
    for index, part in enumerate(query.split('"')):
        quoted = index % 2 == 1
        if quoted:
            tokens = words(part)
            if not tokens:
                raise QueryError('empty phrase: put words between the quotes, e.g. "улица Ленина"')
            phrases.append(tuple(lemmas(token) for token in tokens))
            continue
        check_operators(part)
        for chunk in part.split():
            tokens = words(chunk)
            if tokens:
                phrases.append(tuple(lemmas(token) for token in tokens))
    if not phrases:
        raise QueryError("no words to search for: give letters or digits")
    return Query(query, tuple(dict.fromkeys(phrases)))


def check_word_lengths(query: str) -> None:
    """Refuse a word longer than any the index holds: it could never match."""
    for word in WORD_RE.findall(query):
        if len(word) > MAX_WORD_LENGTH:
            raise QueryError(
                f"the word {word[:20]}… has {len(word)} letters: words longer than "
                f"{MAX_WORD_LENGTH} are not indexed, so it cannot match; leave it out"
            )


def check_operators(part: str) -> None:
    operator = OPERATOR_RE.search(part)
    if operator:
        raise QueryError(
            f"unsupported operator {operator.group().strip()!r}: search takes words and "
            '"quoted phrases", and finds articles with all of them'
        )
    for word in part.split():
        if word in OPERATOR_WORDS:
            raise QueryError(
                f"unsupported operator {word!r}: every word must match; use several searches "
                "for alternatives"
            )
