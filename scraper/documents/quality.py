"""Whether a PDF page's text layer reads as text, or is the noise of a broken font map.

A Cyrillic PDF whose fonts map glyphs to the wrong code points gives Latin letters, digits and
punctuation run together, Latin-1 letters (a Cyrillic code page read as a Western one), or
private-use and replacement characters. Real text, in any language the site uses, is mostly
words: runs of letters of one script, and numbers.
"""

import re
import unicodedata
from dataclasses import dataclass

MIN_WORD_SHARE = 0.6  # of the non-space characters, those in word-like tokens
MAX_ODD_SHARE = 0.05  # private-use, replacement, control and unassigned characters
MAX_LATIN1_LETTER_SHARE = 0.25  # of the letters, those in Latin-1 Supplement / Extended-A/B
MIN_LATIN_VOWEL_SHARE = 0.22  # of the Latin letters, when the text is mostly Latin
MIN_LATIN_LETTERS_FOR_VOWELS = 60
FEW_CHARACTERS = 32  # a text layer this short on a page with images may be a scanner's stamp

_EDGE_PUNCTUATION = "\"'«»„“”‘’()[]{}<>.,;:!?…*•·–—-/\\|№%§°+="
_WORD = re.compile(
    r"""^(?:
        [^\W\d_]+(?:[-'’][^\W\d_]+)*          # letters, hyphenated or with an apostrophe
      | \d+(?:[.,:/\-]\d+)*(?:-?[^\W\d_]{1,4})?  # numbers, dates, times, 2024г, 1-й
    )$""",
    re.X,
)
_LATIN_VOWELS = frozenset("aeiouyAEIOUY")


@dataclass(frozen=True)
class LayerVerdict:
    readable: bool
    reason: str | None = None  # why it is not


READABLE = LayerVerdict(True)


def judge_text_layer(text: str) -> LayerVerdict:
    """Whether a page's extracted text reads as text; an empty layer is not readable."""
    visible = "".join(text.split())
    if not visible:
        return LayerVerdict(False, "no text layer")
    odd = sum(1 for char in visible if is_odd(char))
    if odd > MAX_ODD_SHARE * len(visible):
        return LayerVerdict(
            False, f"{percent(odd, len(visible))} private-use, replacement or control characters"
        )
    letters = [char for char in visible if char.isalpha()]
    latin1 = sum(1 for char in letters if "\u00c0" <= char <= "\u024f")
    if letters and latin1 > MAX_LATIN1_LETTER_SHARE * len(letters):
        return LayerVerdict(
            False, f"{percent(latin1, len(letters))} of letters from Latin-1 (a code page mix-up)"
        )
    in_words = sum(len(token) for token in visible_tokens(text) if _WORD.match(token))
    if in_words < MIN_WORD_SHARE * len(visible):
        share = percent(in_words, len(visible))
        return LayerVerdict(False, f"only {share} of the text forms words")
    latin = [char for char in letters if char.isascii()]
    if len(latin) >= MIN_LATIN_LETTERS_FOR_VOWELS and len(latin) > len(letters) / 2:
        vowels = sum(1 for char in latin if char in _LATIN_VOWELS)
        if vowels < MIN_LATIN_VOWEL_SHARE * len(latin):
            return LayerVerdict(
                False, f"Latin letters with {percent(vowels, len(latin))} vowels (not a language)"
            )
    return READABLE


def visible_tokens(text: str) -> list[str]:
    """The whitespace-separated tokens of a text, without their edge punctuation."""
    tokens = (token.strip(_EDGE_PUNCTUATION) for token in text.split())
    return [token for token in tokens if token]


def is_odd(char: str) -> bool:
    """A character no real text layer is made of."""
    return char == "\ufffd" or unicodedata.category(char) in ("Co", "Cc", "Cn", "Cs")


def percent(part: int, total: int) -> str:
    return f"{round(100 * part / total)}%" if total else "0%"
