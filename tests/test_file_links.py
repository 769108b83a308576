"""Which links in an article are its documents: by extension, by a download script's address, by
a query value naming a file, or by what the link says; pages and images never are."""

from zoneinfo import ZoneInfo

import pytest

from scraper.parsing.article import parse_article
from scraper.parsing.file_links import is_document_link, says_document

PAGE = "https://www.smoladmin.ru/press-centr/novosti/publichnye-slushaniya"


@pytest.mark.parametrize(
    "href",
    [
        "/upload/iblock/3f2/postanovlenie.PDF",
        "/docs/plan.docx#page=2",
        "/download.php?id=7",
        "/bitrix/download.php?ID=12&hash=ab",
        "/getfile.aspx?fid=5",
        "/get_file/91",
        "/file/4021/",
        "/download/reshenie-123",
        "/upload/medialibrary/a1b/protokol",
        "/files/2024/zaklyuchenie",
        "/ajax/get.php?name=reshenie%20no%2012.pdf",
        "/view?f=plan.xlsx&x=1",
        "https://www.smoladmin.ru/attachments/5?download=1",
    ],
)
def test_addresses_that_lead_to_documents(href: str) -> None:
    assert is_document_link(href)


@pytest.mark.parametrize(
    "href",
    [
        "/press-centr/novosti/o-fajlah-i-dokumentah",
        "/press-centr/novosti/download-centr",  # a word in a slug is no script
        "/upload/",  # the folder itself is a listing
        "/upload/photo/vid-na-most.jpg",
        "/files/archive/index.html",
        "/dokumenty/",
        "/?page=2",
        "/search?q=pdf",
    ],
)
def test_addresses_of_pages_and_images_are_no_documents(href: str) -> None:
    assert not is_document_link(href)


@pytest.mark.parametrize(
    ("text", "download", "mime_type"),
    [
        ("Постановление № 45 (PDF, 1,2 Мб)", False, ""),
        ("Протокол, 340 Кб", False, ""),
        ("Скачать протокол", False, ""),
        ("reshenie_12.docx", False, ""),
        ("Смета — xlsx", False, ""),
        ("Заключение", True, ""),
        ("Заключение", False, "application/pdf"),
        ("Смета", False, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_a_link_that_says_it_is_a_document(text: str, download: bool, mime_type: str) -> None:
    assert says_document("/docs/view/45", text, download, mime_type)


@pytest.mark.parametrize(
    ("href", "text", "download"),
    [
        ("/press-centr/novosti/drugaya-novost", "Читайте также: итоги слушаний", False),
        ("/press-centr/novosti/drugaya-novost", "Документы PDF-формата: как открыть", False),
        ("/images/shema", "Схема", False),
        ("/upload/photo/shema.png", "Скачать схему", True),  # an image
        ("mailto:smol@smoladmin.ru", "Скачать", True),
        ("#top", "PDF", False),
    ],
)
def test_links_that_are_no_documents(href: str, text: str, download: bool) -> None:
    assert not says_document(href, text, download, "")


def test_an_article_lists_the_documents_its_links_lead_to_however_they_are_addressed() -> None:
    body = """
      <p>Назначены публичные слушания по проекту планировки территории.</p>
      <p><a href="/upload/iblock/postanovlenie.pdf">Постановление № 12</a></p>
      <p><a href="/download.php?id=7">Материалы проекта</a></p>
      <p><a href="/docs/view/45">Протокол (DOCX, 80 Кб)</a></p>
      <p><a href="/docs/view/46" download>Заключение</a></p>
      <p><a href="/press-centr/novosti/itogi">Итоги прошлых слушаний</a></p>
      <p><a href="/upload/photo/karta.jpg">Карта</a></p>
    """
    html = (
        "<html><head><title>Публичные слушания</title></head><body><main>"
        f"<h1>Публичные слушания</h1>{body}"
        "<div>Опубликовано: 03.12.2026 10:00 Просмотров: 15</div></main></body></html>"
    )
    page = parse_article(html, PAGE, tz=ZoneInfo("Europe/Moscow"))
    origin = "https://www.smoladmin.ru"
    assert [(item.url, item.title) for item in page.attachments] == [
        (f"{origin}/upload/iblock/postanovlenie.pdf", "Постановление № 12"),
        (f"{origin}/download.php?id=7", "Материалы проекта"),
        (f"{origin}/docs/view/45", "Протокол (DOCX, 80 Кб)"),
        (f"{origin}/docs/view/46", "Заключение"),
    ]
