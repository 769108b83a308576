"""Russian dictionary lemmas of words (pymorphy3): the analysis behind the search index.

A word is lower-cased with ё read as е, and stands for every normal form the analyser gives it:
all readings of an ambiguous word (стали: сталь, стать), and the analyser's predictions for a
word its dictionary lacks (Зеленстроя: зеленстрой, зеленстроить). Two words match when they
share a lemma. Analysing a word is slow (up to half a millisecond), so results are cached: the
vocabulary of a news archive is Zipfian, and the cache answers nearly every call.
"""

import re
from functools import lru_cache
from importlib.metadata import version

import pymorphy3

WORD_RE = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
LEMMA_RE = re.compile(r"[0-9a-zа-я]+")
# Longer runs of letters are not words (hashes, run-together junk): they are not indexed.
MAX_WORD_LENGTH = 100
CACHE_SIZE = 500_000


def analysis_version() -> str:
    """Names the analysis an index was built with; another one means the index must be rebuilt."""
    return f"lemmas: pymorphy3 {version('pymorphy3')}, dictionary {version('pymorphy3-dicts-ru')}"


@lru_cache(maxsize=1)
def _analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


def normalize(text: str) -> str:
    """Lower case, with ё and е the same letter."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of a text, normalised, in order."""
    return [word for word in WORD_RE.findall(normalize(text)) if len(word) <= MAX_WORD_LENGTH]


@lru_cache(maxsize=CACHE_SIZE)
def lemmas(word: str) -> tuple[str, ...]:
    """Every normal form of a normalised word, sorted; the word itself if it has none."""
    forms = set()
    for parse in _analyzer().parse(word):
        form = normalize(parse.normal_form)
        if LEMMA_RE.fullmatch(form):
            forms.add(form)
    return tuple(sorted(forms)) or (word,)


@lru_cache(maxsize=CACHE_SIZE)
def lemma_token(word: str) -> str:
    """One term standing for all the lemmas of a word: them joined by '_' (FTS5 keeps it whole)."""
    return "_".join(lemmas(word))
