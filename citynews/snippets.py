"""Snippets of search hits: a few words of an article around its first match, the words that
share a lemma with the query marked."""

import re
from functools import lru_cache

from archive.search.lemmas import CACHE_SIZE, lemmas, words
from archive.search.query import Query


def snippet(text_: str, query: Query, width: int = 24, mark: tuple[str, str] = ("", "")) -> str:
    """A few words around the first match, with the matching words marked."""
    tokens = list(re.finditer(r"\S+", text_))
    if not tokens:
        return ""
    wanted = query.lemmas
    first = next(
        (index for index, token in enumerate(tokens) if _shares_a_lemma(token.group(), wanted)), 0
    )
    start = max(0, first - width // 3)
    chosen = tokens[start : start + width]
    parts = [
        f"{mark[0]}{token.group()}{mark[1]}"
        if _shares_a_lemma(token.group(), wanted)
        else token.group()
        for token in chosen
    ]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(tokens) else ""
    return prefix + " ".join(parts) + suffix


def _shares_a_lemma(token: str, wanted: set[str]) -> bool:
    return not wanted.isdisjoint(_token_lemmas(token))


@lru_cache(maxsize=CACHE_SIZE)
def _token_lemmas(token: str) -> frozenset[str]:
    """The lemmas of the words of a whitespace-separated token of text (`«Зеленстрой»,`)."""
    return frozenset(lemma for word in words(token) for lemma in lemmas(word))
