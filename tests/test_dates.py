"""The meta line and listing dates, as the site prints them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from scraper.parsing.dates import find_listing_date, parse_meta_line

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("text", "published", "updated", "views"),
    [
        ("Опубликовано: 05.03.2024 14:30 Просмотров: 523", datetime(2024, 3, 5, 14, 30), None, 523),
        ("Опубликовано:05.03.2024 14:30Просмотров:523", datetime(2024, 3, 5, 14, 30), None, 523),
        (
            "Опубликовано: 12.11.2019 09:05 Актуализировано: 13.11.2019 10:00 Просмотров: 1207",
            datetime(2019, 11, 12, 9, 5),
            datetime(2019, 11, 13, 10, 0),
            1207,
        ),
        ("Опубликовано: 01.01.2017 00:00 Просмотров: 0", datetime(2017, 1, 1, 0, 0), None, 0),
        ("Опубликовано: 31.12.2023 23:59", datetime(2023, 12, 31, 23, 59), None, None),
        ("Просмотров: 1 207", None, None, 1207),
        ("Опубликовано: 31.02.2023 10:00 Просмотров: 5", None, None, 5),
    ],
)
def test_meta_line(text, published, updated, views) -> None:
    meta = parse_meta_line(text, MSK)
    assert meta is not None
    assert meta.raw == text
    assert meta.published_at == (published.replace(tzinfo=MSK) if published else None)
    assert meta.updated_at == (updated.replace(tzinfo=MSK) if updated else None)
    assert meta.views == views


def test_meta_line_times_are_moscow_time() -> None:
    meta = parse_meta_line("Опубликовано: 05.03.2024 14:30 Просмотров: 523", MSK)
    assert meta.published_at.utcoffset().total_seconds() == 3 * 3600
    assert meta.published_at.isoformat() == "2024-03-05T14:30:00+03:00"


def test_a_date_without_a_time_is_known_only_to_the_day() -> None:
    meta = parse_meta_line("Опубликовано: 05.03.2024 Просмотров: 7", MSK)
    assert meta.published_at == datetime(2024, 3, 5, tzinfo=MSK)
    assert not meta.published_has_time


def test_text_without_a_meta_line() -> None:
    assert parse_meta_line("© 2026 Администрация города Смоленска", MSK) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05.03.2024", date(2024, 3, 5)),
        ("Новость дня 5.3.2024 — тизер", date(2024, 3, 5)),
        ("5 марта 2024", date(2024, 3, 5)),
        ("18 ноября 2025 г. Жители ТОС", date(2025, 11, 18)),
        ("1 Января 2020", date(2020, 1, 1)),
        ("5 мар. 2024", date(2024, 3, 5)),
        ("Опубликовано 12 сент 2023", date(2023, 9, 12)),
        ("1 янв. 2020 года", date(2020, 1, 1)),
        ("нет даты", None),
        ("31.02.2024", None),
        ("телефон 8-4812-38-19-44", None),
    ],
)
def test_listing_dates(text: str, expected: date | None) -> None:
    assert find_listing_date(text) == expected
