"""`citynews serve`: the archive in Datasette, searched in Russian from a real headless Chromium."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from archive.articles import save_article
from archive.db import open_archive, session_scope
from tests.postgres import free_port
from tests.support.cli import CLI_ENV
from tests.support.records import article_record

MSK = ZoneInfo("Europe/Moscow")
HOST = "https://www.smoladmin.ru/press-centr/novosti/"


@pytest.fixture(scope="module")
def served_archive(tmp_path_factory: pytest.TempPathFactory):
    """Two articles served by `citynews serve`, shared by the tests (they only read)."""
    tmp_path = tmp_path_factory.mktemp("served")
    db_path = tmp_path / "archive.sqlite3"
    sessions = open_archive(f"sqlite:///{db_path}")
    with session_scope(sessions) as session:
        for slug, title, body in (
            ("subbotnik", "Горожан приглашают на субботник", "Уборка пройдёт в субботу."),
            ("most", "Открыт пешеходный мост", "Ремонт моста завершён."),
        ):
            save_article(
                session,
                article_record(
                    HOST + slug,
                    title=title,
                    body_text=body,
                    published_at=datetime(2025, 11, 15, 10, 0, tzinfo=MSK),
                    views=120,
                ),
                None,
            )
    sessions.kw["bind"].dispose()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "citynews",
            "serve",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{db_path}",
        ],
        cwd=tmp_path,
        env=CLI_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/-/versions.json").close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {server.stderr.read()!r}") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        stop_process_group(server.pid)


def stop_process_group(group: int) -> None:
    """Kill whatever `citynews serve` left in its process group; fail if it left anything."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return
    os.killpg(group, signal.SIGKILL)
    pytest.fail("citynews serve left a process running after SIGTERM")


def test_a_reader_finds_an_article_by_an_inflected_word(served_archive: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served_archive + "/archive/search")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("субботника")
    box.submit()
    WebDriverWait(browser, 30).until(lambda driver: "q=" in driver.current_url)
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Горожан приглашают на субботник" in page
    assert "Открыт пешеходный мост" not in page


def test_table_search_and_titles_for_people(served_archive: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served_archive + "/archive/articles")
    WebDriverWait(browser, 30).until(  # a loaded machine may still be building the page
        lambda driver: (
            "One row per article or announcement" in driver.find_element(By.TAG_NAME, "body").text
        )
    )
    box = browser.find_element(By.NAME, "_search")
    box.send_keys("мост")
    box.submit()
    WebDriverWait(browser, 30).until(lambda driver: "_search=" in driver.current_url)
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Открыт пешеходный мост" in page
    assert "субботник" not in page


def test_serve_searches_lemmas_and_explains_a_bad_query(served_archive: str, browser) -> None:
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    browser.get(served_archive + "/archive/search?q=" + quote("горожанам"))
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Горожан приглашают на субботник" in page
    assert "Открыт пешеходный мост" not in page
    browser.get(served_archive + "/archive/search?q=" + quote('"пешеходный мост'))
    page = browser.find_element(By.TAG_NAME, "body").text
    assert 'unbalanced quote: close the phrase with another "' in page
    assert "user-defined function raised exception" not in page


def test_the_json_api_gives_the_reason_for_a_bad_query(served_archive: str) -> None:
    import json
    from urllib.error import HTTPError
    from urllib.parse import quote

    with urllib.request.urlopen(
        served_archive + "/archive/search.json?_shape=objects&q=" + quote("мосту")
    ) as good:
        rows = json.load(good)["rows"]
    assert [row["title"] for row in rows] == ["Открыт пешеходный мост"]
    for query, reason in (
        ('"пешеходный мост', 'unbalanced quote: close the phrase with another "'),
        ("мост OR субботник", "unsupported operator 'OR'"),
    ):
        with pytest.raises(HTTPError) as failed:
            urllib.request.urlopen(
                served_archive + "/archive/search.json?_shape=objects&q=" + quote(query)
            )
        document = json.loads(failed.value.read())
        failed.value.close()
        assert document["ok"] is False
        assert document["error"].startswith(reason), document["error"]
