"""Shared fixtures: archives on SQLite and PostgreSQL, and the local fixture site."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from archive.db import open_archive
from tests.postgres import find_binary, postgres_server
from tests.support.cli import CLI_ENV, ROOT, export_json, run_citynews
from tests.support.crawled import CrawledArchives, copy_archive

__all__ = ["CLI_ENV", "ROOT", "SiteServer", "export_json", "run_citynews"]
PG_URL_ENV = "CITYNEWS_TEST_PG_URL"
# A test that asks for one of these fixtures carries its marker, so `-m` can leave it out.
MARKER_OF_FIXTURE = {
    "site": "e2e",
    "crawled_archives": "e2e",
    "crawled_db": "e2e",
    "postgres_url": "postgres",
    "browser": "browser",
}


RAM_DISK = Path("/dev/shm")
RAM_DISK_ROOM = 8 * 1024**3  # what a whole run writes, with a margin


def pytest_configure(config: pytest.Config) -> None:
    """Every test's folder and the PostgreSQL servers' data go to the RAM disk (/dev/shm) when
    the machine has one with room and TMPDIR does not name another folder: a new PostgreSQL
    database costs a tenth there of what it costs on a disk."""
    if "TMPDIR" in os.environ or not RAM_DISK.is_dir() or not os.access(RAM_DISK, os.W_OK):
        return
    room = os.statvfs(RAM_DISK)
    if room.f_bavail * room.f_frsize >= RAM_DISK_ROOM:
        os.environ["TMPDIR"] = str(RAM_DISK)
        tempfile.tempdir = None  # chosen again, from TMPDIR, on next use


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in MARKER_OF_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server: $CITYNEWS_TEST_PG_URL, else one started from the machine's binaries."""
    if os.environ.get(PG_URL_ENV):
        yield os.environ[PG_URL_ENV]
        return
    if not find_binary("initdb"):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing on CI: .ci/run must install them")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    with postgres_server() as url:
        yield url


def fresh_postgres_database(server_url: str, template: str = "template1") -> str:
    """Create a database on the server, a copy of `template` (by default an empty one); return
    its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty archive URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


class MigratedArchives:
    """Empty archives at the newest schema, migrated once per test process and then copied: a
    copy costs a fraction of running every migration."""

    def __init__(self, folder: Path) -> None:
        self.sqlite_file = folder / "archive.sqlite3"
        self.postgres_names: dict[str, str] = {}  # server URL: its migrated database

    def sqlite(self, to: Path) -> str:
        """A migrated empty SQLite archive at `to`; its URL."""
        if not self.sqlite_file.exists():
            open_archive(f"sqlite:///{self.sqlite_file}").kw["bind"].dispose()
        return copy_archive(self.sqlite_file, to)

    def postgres(self, server_url: str) -> str:
        """A new migrated empty database on the server; its URL."""
        if server_url not in self.postgres_names:
            migrated = fresh_postgres_database(server_url)
            open_archive(migrated).kw["bind"].dispose()
            self.postgres_names[server_url] = migrated.rsplit("/", 1)[1]
        return fresh_postgres_database(server_url, template=self.postgres_names[server_url])


@pytest.fixture(scope="session")
def migrated_archives(tmp_path_factory: pytest.TempPathFactory) -> MigratedArchives:
    return MigratedArchives(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_db_url(
    request: pytest.FixtureRequest, migrated_archives: MigratedArchives, tmp_path: Path
) -> str:
    """An empty archive at the newest schema, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return migrated_archives.sqlite(tmp_path / "archive.sqlite3")
    return migrated_archives.postgres(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sessions(migrated_db_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on an empty archive (SQLite and PostgreSQL), disposed afterwards."""
    factory = open_archive(migrated_db_url)
    yield factory
    factory.kw["bind"].dispose()


class SiteServer:
    """The fixture site, served by a real HTTP server in a subprocess."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.site.server", "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("LISTENING "):
            self.process.kill()
            raise RuntimeError(f"the fixture site did not start: {line!r}")
        self.url = line.split(" ", 1)[1]

    def admin(self, path: str, payload: dict | None = None, method: str = "GET"):  # type: ignore[no-untyped-def]
        """Call the fixture site's /__admin/ API (state changes, request log)."""
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def change(self, **state) -> None:  # type: ignore[no-untyped-def]
        """Change the site's content or behaviour (see tests/site/state.py)."""
        self.admin("/__admin/state", state, method="POST")

    def requests(self) -> list[str]:
        """Every path and query served since the log was last cleared."""
        return self.admin("/__admin/requests")

    def clear_requests(self) -> None:
        self.admin("/__admin/requests", method="DELETE")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """A freshly started fixture site (its 503-then-200 page fails once per server)."""
    server = SiteServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def crawled_archives(tmp_path_factory: pytest.TempPathFactory) -> CrawledArchives:
    """First crawls of the fixture site, each run once per test process; tests take copies."""
    return CrawledArchives(tmp_path_factory.mktemp("crawled"), SiteServer)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def crawled_db(
    request: pytest.FixtureRequest, crawled_archives: CrawledArchives, tmp_path: Path
) -> Callable[..., str]:
    """crawled_db(*args): the URL of an archive holding a first crawl of the fixture site
    (`citynews crawl *args`), once on SQLite (a copy of the crawl the test process ran first)
    and once on PostgreSQL (a crawl of its own)."""

    def crawled(*args: str) -> str:
        if request.param == "sqlite":
            return crawled_archives.copy(tmp_path / "archive.sqlite3", *args)
        db_url = fresh_postgres_database(request.getfixturevalue("postgres_url"))
        crawled_archives.crawl_into(db_url, tmp_path, *args)
        return db_url

    return crawled


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """Debian's headless Chromium, driven by Selenium."""
    if not os.path.exists(CHROMIUM) or not os.path.exists(CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing on CI: .ci/run installs them")
        pytest.skip("Debian's chromium and chromium-driver are not installed here")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
