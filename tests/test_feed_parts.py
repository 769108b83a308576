"""The small pure parts of feeds and change lists: tag ids, Atom times, summaries, word counts."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from archive.digest_queries import ArticleLine, Edit
from citynews.changes import edit_diff, word_changes
from citynews.feeds import atom_time, entry_id, summary, xml_text

MSK = timezone(timedelta(hours=3))
SEEN = datetime(2026, 1, 5, 1, 30, tzinfo=MSK)  # 2026-01-04 in UTC


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.smoladmin.ru/press-centr/novosti/most",
            "tag:www.smoladmin.ru,2026-01-04:/press-centr/novosti/most",
        ),
        (
            "https://www.smoladmin.ru/press-centr/novosti/мост",
            "tag:www.smoladmin.ru,2026-01-04:/press-centr/novosti/%D0%BC%D0%BE%D1%81%D1%82",
        ),
        (
            "https://www.smoladmin.ru/press-centr/novosti/a b#c",
            "tag:www.smoladmin.ru,2026-01-04:/press-centr/novosti/a%20b",
        ),
        (
            "https://www.smoladmin.ru/news/detail.php?ID=7",
            "tag:www.smoladmin.ru,2026-01-04:/news/detail.php?ID=7",
        ),
    ],
)
def test_entry_ids_are_tag_uris_of_the_utc_day_first_seen(url: str, expected: str) -> None:
    assert entry_id(url, SEEN) == expected


def test_atom_times_are_utc() -> None:
    assert atom_time(SEEN) == "2026-01-04T22:30:00Z"
    assert atom_time(datetime(2026, 1, 4, 22, 30, 5, 999, tzinfo=UTC)) == "2026-01-04T22:30:05Z"


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("Один два три", 5, "Один два три"),
        ("Один  два\n\nтри четыре", 2, "Один два …"),
        ("", 5, ""),
    ],
)
def test_a_summary_is_the_first_words(text: str, words: int, expected: str) -> None:
    assert summary(text, words) == expected


def test_xml_text_drops_what_xml_cannot_hold_and_keeps_the_rest() -> None:
    assert xml_text("a\x00b\x0bc\x1b[31md\ufffee\ud800f\tg\nh😀") == "abc[31mdef\tg\nh😀"


def edit(before: str, after: str, title: str = "Заголовок") -> Edit:
    line = ArticleLine(1, "https://www.smoladmin.ru/x", title, "novosti", None, None, None)
    return Edit(line, SEEN, title, before, title, after)


@pytest.mark.parametrize(
    ("before", "after", "added", "removed"),
    [
        ("Мост откроют в марте.", "Мост откроют в апреле.", 1, 1),
        ("Мост откроют.", "Мост откроют.\n\nДвижение перекроют на две недели.", 5, 0),
        ("Мост откроют. Движение перекроют.", "Мост откроют.", 0, 2),
        ("Один\nдва", "Один два", 0, 0),  # only the lines moved
    ],
)
def test_words_added_and_removed(before: str, after: str, added: int, removed: int) -> None:
    assert word_changes(edit(before, after)) == (added, removed)


def test_the_diff_shows_removed_and_added_lines_with_context() -> None:
    diff = edit_diff(edit("А.\nБ.\nВ.\nГ.", "А.\nБ.\nВ2.\nГ."))
    assert diff.splitlines() == ["@@ -3,3 +3,3 @@", " Б.", "-В.", "+В2.", " Г."]
