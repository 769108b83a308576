"""Article pages in several plausible markups, each against its expected JSON."""

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scraper.parsing.article import parse_article
from scraper.parsing.text import decode_page
from scraper.sections import section_of_path
from scraper.urls import SiteUrls

PAGES = Path(__file__).parent / "fixtures" / "pages"
NAMES = sorted(path.name.removesuffix(".expected.json") for path in PAGES.glob("*.expected.json"))
SITE = SiteUrls()
MSK = ZoneInfo("Europe/Moscow")


def parse_fixture(name: str):
    expected = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    html = decode_page((PAGES / f"{name}.html").read_bytes(), expected["content_type"]).text
    served = expected["served_url"]
    page = parse_article(html, served, lambda link: SITE.canonical(link, served) or link, tz=MSK)
    return page, expected


CUES = {  # the vocabulary documented in scraper/parsing/article.py
    "title": {
        "h1",
        "heading-matching-title-tag",
        "bold-matching-title-tag",
        "title-class",
        "text-matching-title-tag",
        "heading",
        "og:title",
        "title-tag",
        "none",
    },
    "meta_line": {"meta-element", "page-text", "date-line"},
    "body": {"between-title-and-meta", "after-title", "densest-block", "none"},
}
URL = "https://www.smoladmin.ru/press-centr/novosti/skver"
META = "Опубликовано: 05.03.2024 14:30 Просмотров: 523"


def test_every_fixture_page_has_its_expected_json() -> None:
    pages = {path.name.removesuffix(".html") for path in PAGES.glob("*.html")}
    assert pages
    assert pages == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_identity_of_the_page(name: str) -> None:
    expected = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    canonical = SITE.canonical(expected["served_url"])
    assert canonical == expected["url"]
    assert (
        section_of_path(canonical.removeprefix("https://www.smoladmin.ru")).key
        == expected["section"]
    )


@pytest.mark.parametrize("name", NAMES)
def test_title_and_meta_line(name: str) -> None:
    page, expected = parse_fixture(name)
    assert page.title == expected["title"]
    assert page.meta_line_raw == expected["meta_line_raw"]
    published = page.published_at.isoformat() if page.published_at else None
    updated = page.updated_at.isoformat() if page.updated_at else None
    assert (published, updated, page.views) == (
        expected["published_at"],
        expected["updated_at"],
        expected["views"],
    )
    if "published_has_time" in expected:
        assert page.published_has_time == expected["published_has_time"]


@pytest.mark.parametrize("name", NAMES)
def test_body_text_is_the_articles_own_text(name: str) -> None:
    page, expected = parse_fixture(name)
    assert page.body_text == expected["body_text"]


@pytest.mark.parametrize("name", NAMES)
def test_body_text_carries_no_chrome(name: str) -> None:
    page, _ = parse_fixture(name)
    for chrome in (
        "Размер шрифта",
        "официальный сайт",
        "Опубликовано",
        "Просмотров",
        "не является средством массовой информации",
        "214000, Смоленск, ул. Октябрьской революции",
        "Поделиться",
        "Главная •",
        "Дата публикации",
        "Размещено",
        "Просмотры",
        "Актуализировано",
        "Обновлено",
        "Другие новости",
    ):
        assert chrome not in page.body_text


@pytest.mark.parametrize("name", NAMES)
def test_images_and_attachments(name: str) -> None:
    page, expected = parse_fixture(name)
    assert page.images == expected["images"]
    assert [{"url": a.url, "title": a.title} for a in page.attachments] == expected["attachments"]


@pytest.mark.parametrize("name", NAMES)
def test_the_cues_and_warnings_are_the_expected_ones(name: str) -> None:
    page, expected = parse_fixture(name)
    assert page.cues == expected["cues"]
    assert page.warnings == expected["warnings"]
    assert all(value in CUES[field] for field, value in page.cues.items())


@pytest.mark.parametrize(
    ("html", "cues", "title", "body_text", "views"),
    [
        (
            f"<body><h1>Сквер открыли</h1><p>Текст новости.</p><div>{META}</div></body>",
            {"title": "h1", "meta_line": "meta-element", "body": "between-title-and-meta"},
            "Сквер открыли",
            "Текст новости.",
            523,
        ),
        (
            f"<body><div>{META}</div><h1>Сквер открыли</h1><p>Текст новости.</p></body>",
            {"title": "h1", "meta_line": "meta-element", "body": "after-title"},
            "Сквер открыли",
            "Текст новости.",
            523,
        ),
        (
            "<head><title>Сквер открыли | Администрация города Смоленска</title></head><body>"
            "<h3>Новости</h3><div><h2>Сквер открыли</h2><p>Текст новости.</p></div></body>",
            {"title": "heading-matching-title-tag", "body": "after-title"},
            "Сквер открыли",
            "Текст новости.",
            None,
        ),
        (
            "<head><title>Сквер открыли — Администрация города Смоленска</title></head>"
            "<body><div><p>Меню</p></div><div><p>Текст новости.</p><p>Второй абзац.</p></div>"
            "</body>",
            {"title": "title-tag", "body": "densest-block"},
            "Сквер открыли",
            "Текст новости.\n\nВторой абзац.",
            None,
        ),
        (  # og:title names the article where <title> holds only the site's name
            '<head><meta property="og:title" content="Сквер открыли">'
            "<title>Новости | Администрация города Смоленска</title></head>"
            "<body><div><p>Меню</p></div><div><p>Текст новости.</p><p>Второй абзац.</p></div>"
            "</body>",
            {"title": "og:title", "body": "densest-block"},
            "Сквер открыли",
            "Текст новости.\n\nВторой абзац.",
            None,
        ),
        (
            "<head><title>Сквер открыли</title></head><body>Текст без абзацев</body>",
            {"title": "title-tag", "body": "none"},
            "Сквер открыли",
            "",
            None,
        ),
    ],
)
def test_each_markup_variant_reports_the_cue_it_was_parsed_by(
    html: str, cues: dict[str, str], title: str, body_text: str, views: int | None
) -> None:
    page = parse_article(f"<html>{html}</html>", URL, tz=MSK)
    assert (page.cues, page.title, page.body_text, page.views) == (cues, title, body_text, views)
    assert all(value in CUES[field] for field, value in page.cues.items())


def test_a_page_without_title_or_meta_line_gives_warnings_not_errors() -> None:
    page = parse_article(
        "<html><body><div><p>Только текст.</p></div></body></html>", "https://x/", tz=MSK
    )
    assert page.title is None
    assert page.published_at is None
    assert page.views is None
    assert page.body_text == "Только текст."
    assert page.cues["body"] == "densest-block"
    assert "no title found" in page.warnings


def test_an_empty_document_parses_to_an_empty_page() -> None:
    page = parse_article("", "https://www.smoladmin.ru/press-centr/novosti/x", tz=MSK)
    assert page.title is None
    assert page.body_text == ""
    assert any(warning.startswith("no body text found") for warning in page.warnings)


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("cp1251", "text/html; charset=windows-1251"),
        ("cp1251", "text/html"),
        ("cp1251", "text/html; charset=utf-8"),
        ("utf-8", "text/html; charset=windows-1251"),
        ("utf-8", None),
    ],
)
def test_cyrillic_survives_declared_and_wrong_encodings(encoding: str, declared) -> None:
    meta = '<meta charset="windows-1251">' if encoding == "cp1251" else ""
    html = f"<html><head>{meta}</head><body><h1>Ёлки «на площади»</h1><p>Текст</p></body></html>"
    decoded = decode_page(html.encode(encoding), declared)
    page = parse_article(decoded.text, "https://www.smoladmin.ru/press-centr/novosti/yolki", tz=MSK)
    assert page.title == "Ёлки «на площади»"
    assert page.body_text == "Текст"
    mismatched = declared and ("utf-8" in declared) != (encoding == "utf-8")
    assert bool(decoded.warning) == bool(mismatched)
