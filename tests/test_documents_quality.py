"""The quality gate on a PDF page's text layer: real text in Russian, English, tables of
numbers passes; the noise of broken font maps does not."""

import pytest

from scraper.documents.quality import judge_text_layer
from tests.support.documents import DECREE, PROTOCOL, TABLE

RUSSIAN = "\n".join(DECREE)


def ascii_shifted(text: str) -> str:
    """Cyrillic letters moved to U+00xx, as a font whose ToUnicode map lost its high byte."""
    return "".join(chr(ord(c) - 0x400) if "\u0410" <= c <= "\u044f" else c for c in text)


def keyboard_layout(text: str) -> str:
    """Russian typed on a Latin keyboard layout: a font mapping glyphs to Latin letters."""
    russian = "йцукенгшщзхъфывапролджэячсмитьбю"
    latin = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
    table = str.maketrans(russian + russian.upper(), latin + latin.upper())
    return text.translate(table)


READABLE = [
    RUSSIAN,
    "\n".join(PROTOCOL),
    "\n".join("\t".join(row) for row in TABLE),
    "The public hearing on the draft planning project will be held on 14 March 2025.",
    "Приложение № 2\nк постановлению от 12.03.2025 № 1234-адм\n1. 2. 3. 1-й этап, 2025г.",
    "Таблица 5\n12 345,67\n8 901,00\n15.03.2025\n16:00\n№ 7",
]
UNREADABLE = [
    ("", "no text layer"),
    (ascii_shifted(RUSSIAN), "of the text forms words"),
    (RUSSIAN.encode("cp1251").decode("cp1252"), "of letters from Latin-1"),
    ("".join(chr(0xF000 + ord(c) % 256) for c in RUSSIAN), "private-use"),
    ("\ufffd" * 40 + " слово " * 10, "replacement"),
    (keyboard_layout(RUSSIAN), "vowels"),
]


@pytest.mark.parametrize("text", READABLE)
def test_real_text_is_readable(text: str) -> None:
    verdict = judge_text_layer(text)
    assert verdict.readable, verdict.reason


@pytest.mark.parametrize(("text", "reason"), UNREADABLE)
def test_broken_text_layers_are_not(text: str, reason: str) -> None:
    verdict = judge_text_layer(text)
    assert not verdict.readable
    assert verdict.reason is not None
    assert reason in verdict.reason
