"""The command line's side of careless input, odd outputs, broken archives and signals.

Every test runs the real command line (in this process through `main`, in a process of its own
where signals, pipes or a crawl are the point) and checks what its user would see.
"""

import fcntl
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from archive.articles import save_article
from archive.db import create_archive_engine, head_revision, open_archive, session_scope, upgrade
from archive.models import CrawlRun, Fetch
from exports.writers import temporary_beside
from tests.conftest import RAM_DISK
from tests.postgres import free_port
from tests.support.cli import CLI_ENV, citynews, one_line_error, run_citynews, run_main
from tests.support.records import article_record, article_row

SLUG_URL = "https://www.smoladmin.ru/press-centr/novosti/gorozhane-vyshli-na-subbotnik"
READ_COMMANDS = [
    ["status"],
    ["search", "мост"],
    ["export", "--format", "csv", "--out", "news.csv"],
    ["stats"],
    ["show", SLUG_URL],
    ["history", SLUG_URL],
]


def archive_with_article(path: Path) -> str:
    """A real archive file holding one article (one view count read)."""
    url = f"sqlite:///{path}"
    sessions = open_archive(url)
    with session_scope(sessions) as session:
        save_article(
            session,
            article_record(
                SLUG_URL,
                title="Горожане вышли на субботник",
                body_text="Пешеходный мост у набережной убрали за день.",
                published_at=datetime(2025, 11, 15, 7, 0, tzinfo=UTC),
                views=120,
            ),
            None,
        )
    sessions.kw["bind"].dispose()
    return url


def archive_with_articles(path: Path, count: int) -> str:
    """A real archive file with many synthetic articles, all containing the word «мост»."""
    url = f"sqlite:///{path}"
    sessions = open_archive(url)
    engine = sessions.kw["bind"]
    body = "Ремонт моста через Днепр продолжается. " * 20
    rows = [
        article_row(n, "novosti", f"Мост {n}", body, datetime(2025, 1, 1, tzinfo=UTC), n)
        for n in range(count)
    ]
    from archive.models import Article
    from archive.search.index import reindex

    with engine.begin() as connection:
        connection.execute(Article.__table__.insert(), rows)
    with session_scope(sessions) as session:
        reindex(session)
    engine.dispose()
    return url


# Read commands on a path with no archive


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_read_commands_on_a_missing_archive_create_nothing(command, tmp_path: Path) -> None:
    result = citynews(*command, cwd=tmp_path)
    one_line_error(result, 2, "no archive at")
    assert "data/citynews.sqlite3" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_read_command_on_an_explicit_missing_path_creates_no_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "deeper" / "archive.sqlite3"
    result = citynews("status", "--db", f"sqlite:///{missing}", cwd=tmp_path)
    one_line_error(result, 2, "no archive at")
    assert not (tmp_path / "nowhere").exists()


# Tracebacks that become one line and exit status 2


def test_a_file_that_is_not_sqlite_or_is_corrupt_gets_one_line(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("just some notes\n")
    for command in (["status"], ["export", "--format", "csv", "--out", "x.csv"]):
        result = citynews(*command, "--db", f"sqlite:///{text_file}", cwd=tmp_path)
        one_line_error(result, 2, "is not a SQLite database")
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\xff" * 5000)
    for command in (["search", "мост"], ["crawl", "--site-url", "http://127.0.0.1:1"]):
        result = run_main(*command, "--db", f"sqlite:///{corrupt}", cwd=tmp_path)
        one_line_error(result, 2, "archive")
    assert text_file.read_text() == "just some notes\n"


@pytest.mark.parametrize("command", [["crawl", "--site-url", "http://127.0.0.1:1"], ["reparse"]])
def test_an_unreachable_postgresql_gets_one_line(command, tmp_path: Path) -> None:
    db = f"postgresql+psycopg://reader:secret@127.0.0.1:{free_port()}/news"
    result = run_main(*command, "--db", db, cwd=tmp_path)
    line = one_line_error(result, 2, "cannot open the archive")
    assert "secret" not in result.stderr
    assert "127.0.0.1" in line


def test_a_database_url_without_its_driver_gets_one_line(tmp_path: Path) -> None:
    result = citynews("status", "--db", "mysql://user:secret@localhost/news", cwd=tmp_path)
    one_line_error(result, 2, "driver cannot be loaded")
    assert "secret" not in result.stderr
    export = ["export", "--format", "csv", "--out", "x.csv", "--db", "not a url"]
    one_line_error(citynews(*export, cwd=tmp_path), 2, "bad database URL")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["search", "мост", "--limit", "99999999999999999999"], "--limit"),
        (["crawl", "--refresh-days", "99999999999"], "--refresh-days"),
        (["crawl", "-s", "DOWNLOAD_DELAY=abc"], "DOWNLOAD_DELAY=abc: expected a number"),
        (["crawl", "-s", "CITYNEWS_NOW=garbage"], "CITYNEWS_NOW=garbage: expected an ISO 8601"),
        (["crawl", "-s", "CITYNEWS_MODE=bogus"], "expected one of incremental, full"),
        (["crawl", "-s", "CONCURRENT_REQUESTS=many"], "expected a whole number"),
        (["show", "http://[::1"], "is not the URL or path of an article"),
        (["history", "http://[::1"], "is not the URL or path of an article"),
        (["status", "--runs", "-1"], "--runs"),
        (["status", "--runs", "0"], "--runs"),
    ],
)
def test_bad_values_get_one_line_and_status_2(args, words, tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    before = (tmp_path / "archive.sqlite3").read_bytes()
    result = run_main(*args, "--db", url, cwd=tmp_path)
    one_line_error(result, 2, words)
    assert (tmp_path / "archive.sqlite3").read_bytes() == before


def test_min_views_complains_about_views_not_days(tmp_path: Path) -> None:
    result = citynews("search", "мост", "--min-views", "-5", cwd=tmp_path)
    line = one_line_error(result, 2, "--min-views")
    assert "days" not in line


@pytest.mark.parametrize(
    ("bounds", "count"),
    [
        (["--until", "9999-12-31"], 1),
        (["--since", "0001-01-01"], 1),
    ],
)
def test_the_widest_date_bounds_mean_no_bound(bounds, count, tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    result = citynews(
        "export", "--format", "jsonl", "--out", "-", *bounds, "--db", url, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == count
    searched = citynews("search", "мост", *bounds, "--format", "json", "--db", url, cwd=tmp_path)
    assert searched.returncode == 0, searched.stderr
    assert len(json.loads(searched.stdout)) == count


def test_an_archive_on_a_read_only_mount_can_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    url = archive_with_article(folder / "archive.sqlite3")
    if os.geteuid() != 0:
        folder.chmod(0o555)
    else:
        mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot make a read-only bind mount here: {mounted.stderr.strip()}")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
    try:
        assert not os.access(folder, os.W_OK)
        for command in (
            ["status"],
            ["search", "мост"],
            ["history", SLUG_URL],
            ["export", "--format", "jsonl", "--out", "-"],
        ):
            result = citynews(*command, "--db", url, cwd=tmp_path)
            assert result.returncode == 0, (command, result.stderr)
            assert "Горожане вышли на субботник" in result.stdout or command == ["status"]
            assert "articles: 1 (0 removed)" in result.stdout or command != ["status"]
        assert sorted(path.name for path in folder.iterdir()) == ["archive.sqlite3"]
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=True)
        else:
            folder.chmod(0o755)


# Export onto the archive or another database


def test_export_refuses_to_overwrite_the_archive(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    before = (tmp_path / "archive.sqlite3").read_bytes()
    for out, extra in (("archive.sqlite3", []), (f"{tmp_path}/./archive.sqlite3", ["--force"])):
        result = citynews(
            "export", "--format", "jsonl", "--out", out, *extra, "--db", url, cwd=tmp_path
        )
        one_line_error(result, 2, "is the archive itself")
    assert (tmp_path / "archive.sqlite3").read_bytes() == before
    status = citynews("status", "--db", url, cwd=tmp_path)
    assert status.returncode == 0
    assert "articles: 1" in status.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--since", "2025-01-01", "--until", "2025-12-31", "--out"],
        ["history", SLUG_URL, "--chart"],
    ],
    ids=["report", "history-chart"],
)
def test_reports_and_charts_never_replace_the_archive_or_another_database(
    tmp_path: Path, command: list[str]
) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    before = (tmp_path / "archive.sqlite3").read_bytes()
    result = citynews(*command, "archive.sqlite3", "--db", url, cwd=tmp_path)
    one_line_error(result, 2, f"{command[-1]} archive.sqlite3 is the archive itself")
    assert (tmp_path / "archive.sqlite3").read_bytes() == before
    other = tmp_path / "accounts.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE accounts (id INTEGER)")
    connection.close()
    kept = other.read_bytes()
    result = citynews(*command, str(other), "--db", url, cwd=tmp_path)
    one_line_error(result, 2, "is an existing SQLite database")
    assert other.read_bytes() == kept


def test_export_over_another_sqlite_database_needs_force(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    other = tmp_path / "accounts.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE accounts (id INTEGER)")
    connection.close()
    before = other.read_bytes()
    result = citynews("export", "--format", "csv", "--out", str(other), "--db", url, cwd=tmp_path)
    one_line_error(result, 2, "is an existing SQLite database: give --force")
    assert other.read_bytes() == before
    forced = citynews(
        "export", "--format", "csv", "--out", str(other), "--force", "--db", url, cwd=tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    assert "Горожане вышли на субботник" in other.read_text(encoding="utf-8-sig")


# Special files are written to, never replaced


def test_export_onto_a_character_device_writes_to_it(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    url = archive_with_article(tmp_path / "archive.sqlite3")
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    for fmt in ("csv", "json", "jsonl"):
        result = citynews(
            "export", "--format", fmt, "--out", str(device), "--db", url, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert stat.S_ISCHR(device.lstat().st_mode)
        assert device.stat().st_rdev == os.makedev(1, 3)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive.sqlite3", "null"]


def test_export_onto_a_named_pipe_streams_into_it(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    pipe = tmp_path / "feed"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = citynews("export", "--format", "jsonl", "--out", str(pipe), "--db", url, cwd=tmp_path)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert json.loads(received[0])["title"] == "Горожане вышли на субботник"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive.sqlite3", "feed"]


def test_export_onto_a_link_to_stdout_writes_to_stdout(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    out = ["--out", str(link), "--db", url]
    result = run_citynews("export", "--format", "jsonl", *out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["url"] == SLUG_URL
    assert link.is_symlink()
    assert os.readlink(link) == "/proc/self/fd/1"
    sqlite = run_citynews("export", "--format", "sqlite", *out, cwd=tmp_path)
    one_line_error(sqlite, 2, "writes a regular file")
    assert link.is_symlink()


@pytest.fixture
def ram_folder() -> Iterator[Path]:
    """A folder in /dev/shm, the RAM disk many systems have."""
    if not RAM_DISK.is_dir():
        pytest.skip("this system has no /dev/shm")
    folder = Path(tempfile.mkdtemp(dir=RAM_DISK))
    yield folder
    shutil.rmtree(folder)


def test_an_export_into_dev_shm_is_an_ordinary_file(ram_folder: Path) -> None:
    url = archive_with_article(ram_folder / "archive.sqlite3")
    out = ram_folder / "snapshots" / "news.csv"
    result = citynews("export", "--format", "csv", "--out", str(out), "--db", url, cwd=ram_folder)
    assert result.returncode == 0, result.stderr
    assert "Горожане вышли на субботник" in out.read_text(encoding="utf-8-sig")
    assert (ram_folder / "snapshots" / "news.csv.manifest.json").exists()
    before = (ram_folder / "archive.sqlite3").read_bytes()
    onto_archive = citynews(
        "export", "--format", "jsonl", "--out", str(ram_folder / "archive.sqlite3"), "--db", url,
        cwd=ram_folder,
    )  # fmt: skip
    one_line_error(onto_archive, 2, "is the archive itself")
    assert (ram_folder / "archive.sqlite3").read_bytes() == before


# Permissions, and no temporary file left behind by a killed export


def test_export_files_get_the_same_normal_mode_as_their_manifest(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    umask = os.umask(0o022)
    os.umask(umask)
    result = citynews("export", "--format", "csv", "--out", "news.csv", "--db", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    mode = stat.S_IMODE((tmp_path / "news.csv").stat().st_mode)
    assert mode == 0o666 & ~umask
    assert mode == stat.S_IMODE((tmp_path / "news.csv.manifest.json").stat().st_mode)


def start_export(tmp_path: Path, url: str, out: str) -> subprocess.Popen:
    """Start a slow export and return once its temporary file exists."""
    process = subprocess.Popen(
        [sys.executable, "-m", "citynews", "export", "--format", "json", "--out", out, "--db", url],
        cwd=tmp_path,
        env=CLI_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f".{out}.*.part")):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    return process


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    """3,000 articles, shared by the tests that only read them."""
    return archive_with_articles(tmp_path_factory.mktemp("big") / "archive.sqlite3", 3_000)


@pytest.fixture(scope="module")
def long_export_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 articles of 16,000 characters: an export that writes for about 3 s here, so a
    signal sent once its temporary file exists finds it still writing, even on a busy machine.
    One more article, in another section, makes a short export of the same archive."""
    path = tmp_path_factory.mktemp("long-export") / "archive.sqlite3"
    sessions = open_archive(f"sqlite:///{path}")
    engine = sessions.kw["bind"]
    body = "Ремонт моста через Днепр продолжается. " * 400
    published = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [article_row(n, "novosti", f"Мост {n}", body, published, n) for n in range(10_000)]
    for row in rows:
        row["body_html"] = "<p>Ремонт моста</p>"  # not exported: kept short
    rows.append(article_row(10_000, "novosti-tos", "Мост", "Мост открыт.", published, 1))
    from archive.models import Article

    with engine.begin() as connection:
        connection.execute(Article.__table__.insert(), rows)
    engine.dispose()
    return path


@pytest.fixture
def long_export_archive(tmp_path: Path, long_export_file: Path) -> str:
    """The long export's archive in this test's folder (a hard link: the tests only read it)."""
    path = tmp_path / "archive.sqlite3"
    path.hardlink_to(long_export_file)
    return f"sqlite:///{path}"


def test_an_export_stopped_by_sigterm_leaves_no_temporary_file(
    tmp_path: Path, long_export_archive: str
) -> None:
    (tmp_path / "news.json").write_text("previous snapshot\n")
    process = start_export(tmp_path, long_export_archive, "news.json")
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=60)
    stderr = process.stderr.read()
    assert status == 130, stderr
    assert "interrupted" in stderr
    assert (tmp_path / "news.json").read_text() == "previous snapshot\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive.sqlite3", "news.json"]


@pytest.mark.parametrize("step", ["open", "flock"])
def test_a_sigterm_while_the_temporary_file_is_created_leaves_nothing(
    step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signal comes just after the temporary file appears, before the export has it in its
    care, while another thread runs (a process-wide signal then reaches a thread that does not
    hold it back, and Python raises it in the main thread at once)."""
    module = os if step == "open" else fcntl
    real = getattr(module, step)

    def then_sigterm(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)  # the other thread takes the signal
        return result

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    written = []

    def export() -> None:
        with temporary_beside(tmp_path / "news.json") as (handle, _):
            os.close(handle)
            written.append(handle)

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    monkeypatch.setattr(module, step, then_sigterm)
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            export()
    finally:
        signal.signal(signal.SIGTERM, previous)
        monkeypatch.undo()
        stop.set()
        other.join()
    assert written == []
    assert list(tmp_path.iterdir()) == []


STOPPED_IN_GENERATED_CODE = """
import os, signal
from citynews.cli.app import stop_on_sigterm

def main():
    stop_on_sigterm()
    try:
        exec("os.kill(os.getpid(), signal.SIGTERM)\\nwhile True: pass")
    except KeyboardInterrupt:
        return 130

raise SystemExit(main())
"""


def test_a_sigterm_in_generated_code_still_ends_with_status_130(tmp_path: Path) -> None:
    """The -2 a busy CI saw: an export stopped while SQLAlchemy ran code it generates."""
    (tmp_path / "stopper").mkdir()
    (tmp_path / "stopper" / "__main__.py").write_text(STOPPED_IN_GENERATED_CODE)
    result = subprocess.run(
        [sys.executable, "-m", "stopper"], cwd=tmp_path, env=CLI_ENV, timeout=60
    )
    assert result.returncode == 130


def test_the_next_export_sweeps_what_a_killed_export_left(
    tmp_path: Path, long_export_archive: str
) -> None:
    process = start_export(tmp_path, long_export_archive, "news.json")
    process.kill()
    process.wait(timeout=60)
    assert list(tmp_path.glob(".news.json.*.part"))
    result = citynews(
        "export", "--format", "json", "--out", "news.json", "--section", "novosti-tos",
        "--db", long_export_archive, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "archive.sqlite3",
        "news.json",
        "news.json.manifest.json",
    ]
    assert [record["title"] for record in json.loads((tmp_path / "news.json").read_text())] == [
        "Мост"
    ]


# A reader that stops early


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "jsonl", "--out", "-"],
        ["export", "--format", "csv", "--out", "/dev/stdout"],
        ["search", "мост", "--limit", "5000"],
    ],
    ids=["export-stdout", "export-dev-stdout", "search"],
)
def test_a_reader_that_stops_early_ends_the_command_quietly(
    command, tmp_path: Path, big_archive: str
) -> None:
    shell = " ".join([sys.executable, "-m", "citynews", *command, "--db", big_archive])
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {shell} | head -1"],
        cwd=tmp_path,
        env=CLI_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""
    assert result.returncode in (0, 128 + signal.SIGPIPE)


# The URL forms people paste


@pytest.mark.parametrize(
    "pasted",
    [
        SLUG_URL,
        "www.smoladmin.ru/press-centr/novosti/gorozhane-vyshli-na-subbotnik",
        "smoladmin.ru/press-centr/novosti/gorozhane-vyshli-na-subbotnik/",
        "/press-centr/novosti/gorozhane-vyshli-na-subbotnik",
        "press-centr/novosti/gorozhane-vyshli-na-subbotnik",
        "http://127.0.0.1:8000/press-centr/novosti/gorozhane-vyshli-na-subbotnik/?ssv",
        "https://mirror.example.org/press-centr/novosti/gorozhane-vyshli-na-subbotnik",
    ],
)
def test_show_and_history_accept_pasted_url_forms(pasted: str, tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    for command in ("show", "history"):
        result = citynews(command, pasted, "--db", url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Горожане вышли на субботник\n" + SLUG_URL)


def test_history_says_one_observation(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    result = citynews("history", SLUG_URL, "--db", url, cwd=tmp_path)
    assert "views (1 observation, times Europe/Moscow):" in result.stdout


# db upgrade says what it did


def test_db_upgrade_says_what_it_did(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite3"
    url = f"sqlite:///{path}"
    head = head_revision()
    created = citynews("db", "upgrade", "--db", url, cwd=tmp_path)
    assert created.returncode == 0
    assert created.stdout == f"created the archive sqlite:///{path} at schema revision {head}\n"
    again = citynews("db", "upgrade", "--db", url, cwd=tmp_path)
    assert again.stdout == f"the archive sqlite:///{path} is up to date (schema revision {head})\n"
    older = tmp_path / "older.sqlite3"
    engine = create_archive_engine(f"sqlite:///{older}")
    upgrade(engine, "0002")
    engine.dispose()
    upgraded = citynews("db", "upgrade", "--db", f"sqlite:///{older}", cwd=tmp_path)
    assert upgraded.stdout == (
        f"upgraded the archive sqlite:///{older} from schema revision 0002 to {head}\n"
    )


def test_reads_of_an_archive_behind_the_schema_ask_for_an_upgrade(tmp_path: Path) -> None:
    older = tmp_path / "older.sqlite3"
    engine = create_archive_engine(f"sqlite:///{older}")
    upgrade(engine, "0002")
    engine.dispose()
    result = citynews("search", "мост", "--db", f"sqlite:///{older}", cwd=tmp_path)
    one_line_error(result, 2, "run citynews db upgrade")


# Status


def status_table(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("id"))
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return [line for line in lines[start:end] if not line.startswith("  run ")]


def test_status_counts_requests_of_unfinished_runs_and_aligns_its_columns(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    sessions = open_archive(url)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    with session_scope(sessions) as session:
        for outcome, requests in (("completed", 123456), ("killed", 0), ("running", 0)):
            run = CrawlRun(
                started_at=now,
                finished_at=now if outcome == "completed" else None,
                mode="incremental",
                outcome=outcome,
                site_url="https://www.smoladmin.ru",
                requests=requests,
            )
            session.add(run)
            session.flush()
            for n in range(7 if outcome == "killed" else 3):
                session.add(
                    Fetch(
                        crawl_run_id=run.id,
                        url=f"{SLUG_URL}-{n}",
                        requested_url=f"{SLUG_URL}-{n}",
                        kind="article",
                        status=200,
                        ok=True,
                        fetched_at=now,
                    )
                )
    sessions.kw["bind"].dispose()
    result = citynews("status", "--db", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "last 3 runs" in result.stdout
    header, *rows = status_table(result.stdout)
    end = header.index("requests") + len("requests")
    for row in rows:
        assert row[end - 1].isdigit(), (header, row)
        assert len(row) == end or row[end] == " ", (header, row)
        assert row.index("incremental") == header.index("mode"), (header, row)
    values = [row[:end].split()[-1] for row in rows]
    assert values == ["3", "7", "123456"], result.stdout
    one = citynews("status", "--runs", "1", "--db", url, cwd=tmp_path)
    assert "last 1 run (times Europe/Moscow)" in one.stdout


def test_status_failed_lists_urls_whose_latest_fetch_failed(tmp_path: Path) -> None:
    url = archive_with_article(tmp_path / "archive.sqlite3")
    sessions = open_archive(url)
    with session_scope(sessions) as session:
        for minute, page, ok, status, error in (
            (1, "a", False, 503, "HTTP 503"),
            (2, "a", True, 200, None),
            (3, "b", True, 200, None),
            (4, "b", False, 500, "HTTP 500"),
            (5, "c", False, None, "TimeoutError: took longer than 10 seconds"),
        ):
            session.add(
                Fetch(
                    url=f"{SLUG_URL}-{page}",
                    requested_url=f"{SLUG_URL}-{page}",
                    kind="article",
                    status=status,
                    ok=ok,
                    error=error,
                    fetched_at=datetime(2026, 1, 2, 10, minute, tzinfo=UTC),
                )
            )
    sessions.kw["bind"].dispose()
    result = citynews("status", "--failed", "--db", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 URLs whose latest fetch failed")
    assert f"{SLUG_URL}-c" in lines[1]
    assert "TimeoutError" in lines[1]
    assert "13:05" in lines[1]  # 10:05 UTC, on the site's clock (Moscow)
    assert f"{SLUG_URL}-b" in lines[2]
    assert "500" in lines[2]
    assert "HTTP 500" in lines[2]
    assert f"{SLUG_URL}-a" not in result.stdout


# Credentials, and which archive a crawl uses


def test_credentials_in_the_site_url_never_show(tmp_path: Path, site) -> None:
    origin = site.url.replace("http://", "http://editor:s3cret@")
    crawled = citynews("crawl", "--site-url", origin, "--section", "meropriyatiya", cwd=tmp_path)
    assert crawled.returncode == 0, crawled.stderr
    closed = f"http://editor:s3cret@127.0.0.1:{free_port()}"
    failed = citynews(
        "crawl", "--site-url", closed, "--section", "novosti", "-s", "RETRY_TIMES=0", cwd=tmp_path
    )
    one_line_error(failed, 1, "site unreachable")
    bad = run_main("crawl", "--site-url", "ftp://editor:s3cret@host", cwd=tmp_path)
    one_line_error(bad, 2, "http")
    outputs = [crawled, failed, bad]
    for command in (["status"], ["status", "--failed"]):
        outputs.append(citynews(*command, cwd=tmp_path))
    assert outputs[-2].returncode == 0
    assert "articles: 2" in outputs[-2].stdout
    for result in outputs:
        assert "s3cret" not in result.stdout + result.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'citynews.sqlite3'}")
    with engine.connect() as connection:
        for table in ("crawl_runs", "fetches"):
            dump = str(connection.execute(text(f"SELECT * FROM {table}")).all())
            assert "s3cret" not in dump
    engine.dispose()


def test_a_crawl_has_one_archive_option(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    result = run_main(
        "crawl",
        "--site-url",
        "http://127.0.0.1:1",
        "--db",
        f"sqlite:///{a}",
        "-s",
        f"CITYNEWS_DB_URL=sqlite:///{b}",
        cwd=tmp_path,
    )
    one_line_error(result, 2, "--db")
    assert list(tmp_path.iterdir()) == []


def test_version(tmp_path: Path) -> None:
    from citynews import __version__

    result = citynews("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"citynews {__version__}\n"


# Schema creation and migrations are all or nothing


def block_the_last_migration(db_url: str) -> None:
    """Put a view where the last migration creates its search table: that migration fails."""
    engine = create_engine(db_url)
    name = "search_documents" if engine.dialect.name == "postgresql" else "articles_fts"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE VIEW {name} AS SELECT 1 AS x"))
    engine.dispose()


def unblock(db_url: str) -> None:
    engine = create_engine(db_url)
    name = "search_documents" if engine.dialect.name == "postgresql" else "articles_fts"
    with engine.begin() as connection:
        connection.execute(text(f"DROP VIEW {name}"))
    engine.dispose()


def table_names(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
    engine.dispose()
    return names


def test_a_failed_schema_creation_leaves_no_half_schema(db_url: str, tmp_path: Path) -> None:
    block_the_last_migration(db_url)
    result = citynews("db", "upgrade", "--db", db_url, cwd=tmp_path)
    one_line_error(result, 2, "nothing was changed")
    assert table_names(db_url) == []
    crawl = run_main("crawl", "--site-url", "http://127.0.0.1:1", "--db", db_url, cwd=tmp_path)
    one_line_error(crawl, 2, "nothing was changed")
    assert table_names(db_url) == []
    unblock(db_url)
    assert citynews("db", "upgrade", "--db", db_url, cwd=tmp_path).returncode == 0
    status = citynews("status", "--db", db_url, cwd=tmp_path)
    assert status.returncode == 0
    assert "articles: 0" in status.stdout


def test_a_failed_upgrade_leaves_the_archive_at_its_revision(db_url: str, tmp_path: Path) -> None:
    engine = create_archive_engine(db_url)
    upgrade(engine, "0001")
    engine.dispose()
    block_the_last_migration(db_url)
    before = sorted(table_names(db_url))
    result = citynews("db", "upgrade", "--db", db_url, cwd=tmp_path)
    one_line_error(result, 2, "nothing was changed")
    assert sorted(table_names(db_url)) == before
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            ("0001",)
        ]
    engine.dispose()


def half_schema(path: Path, with_rows: bool) -> str:
    """What an older citynews left after a disk full during the first crawl."""
    url = f"sqlite:///{path}"
    engine = create_archive_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        if with_rows:
            connection.execute(
                text(
                    "INSERT INTO crawl_runs (started_at, mode, outcome, site_url, sections, "
                    "requests, articles_new, articles_updated, articles_unchanged, "
                    "fetch_failures) VALUES ('2026-01-01 00:00:00', 'full', 'completed', "
                    "'https://www.smoladmin.ru', '[]', 1, 0, 0, 0, 0)"
                )
            )
    engine.dispose()
    return url


def test_every_command_handles_a_half_schema_left_by_an_older_version(tmp_path: Path, site) -> None:
    url = half_schema(tmp_path / "empty.sqlite3", with_rows=False)
    for command in (["status"], ["search", "мост"]):
        one_line_error(citynews(*command, "--db", url, cwd=tmp_path), 2, "run citynews db upgrade")
    crawled = citynews(
        "crawl", "--site-url", site.url, "--section", "meropriyatiya", "--db", url, cwd=tmp_path
    )
    assert crawled.returncode == 0, crawled.stderr
    status = citynews("status", "--db", url, cwd=tmp_path)
    assert "articles: 2" in status.stdout
    kept = half_schema(tmp_path / "rows.sqlite3", with_rows=True)
    before = (tmp_path / "rows.sqlite3").read_bytes()
    for command in (["crawl", "--site-url", site.url], ["reparse"]):
        one_line_error(run_main(*command, "--db", kept, cwd=tmp_path), 2, "no schema revision")
    assert (tmp_path / "rows.sqlite3").read_bytes() == before


# citynews inspect


def test_inspect_shows_every_field_with_its_cue_and_writes_nothing(tmp_path: Path, site) -> None:
    site.clear_requests()
    result = citynews(
        "inspect",
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-zavershili-remont-peshehodnogo-mosta",
        "--site-url",
        site.url,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "В Смоленске завершили ремонт пешеходного моста через Днепр" in out
    fields = {line.split()[0]: line for line in out.splitlines() if line[:1].isalpha()}
    assert "h1" in fields["title"]
    assert "meta-line" in fields["published_at"]
    assert "2025-11-20T16:40:00+03:00" in out
    assert fields["views"].split()[1:] == ["meta-element", "734"]
    assert "upload/images/news/most.png" in fields["images"]
    assert "warnings: none" in out
    assert "nothing was written" in out
    assert "/robots.txt" in site.requests()
    assert list(tmp_path.iterdir()) == []


def test_inspect_names_the_cues_of_an_older_theme(tmp_path: Path, site) -> None:
    result = citynews(
        "inspect",
        "/press-centr/novosti/v-smolenske-otkrylsya-katok-na-stadione-spartak",
        "--site-url",
        site.url,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    fields = {line.split()[0]: line for line in result.stdout.splitlines() if line[:1].isalpha()}
    assert "В Смоленске открылся каток на стадионе «Спартак»" in fields["title"]
    assert fields["title"].split()[1] != "none"
    assert "2016-12-17T18:56:00+03:00" in fields["published_at"]
    assert fields["published_precision"].split()[1:] == ["meta-line", "minute"]
    assert fields["views"].split()[-1] == "312"
    assert "2016-12-19T10:05:00+03:00" in fields["updated_at"]
    assert "warnings: none" in result.stdout


def test_inspect_shows_the_warnings_of_a_page_without_its_cues(tmp_path: Path, site) -> None:
    result = citynews("inspect", "/press-centr/novosti", "--site-url", site.url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warnings (" in result.stdout


def test_inspect_fails_in_one_line_when_the_fetch_fails(tmp_path: Path, site) -> None:
    missing = citynews(
        "inspect", "/press-centr/novosti/no-such-page", "--site-url", site.url, cwd=tmp_path
    )
    one_line_error(missing, 1, "HTTP 404")
    forbidden = citynews(
        "inspect", "/press-centr/novosti/zakrytaya-novost", "--site-url", site.url, cwd=tmp_path
    )
    one_line_error(forbidden, 1, "robots.txt forbids it")
    assert "/press-centr/novosti/zakrytaya-novost" not in site.requests()
    closed = f"http://127.0.0.1:{free_port()}"
    refused = citynews(
        "inspect",
        "/press-centr/novosti/x",
        "--site-url",
        closed,
        "-s",
        "RETRY_TIMES=0",
        cwd=tmp_path,
    )
    one_line_error(refused, 1, "cannot fetch")
    assert list(tmp_path.iterdir()) == []


# serve stops Datasette


def datasette_processes(folder: Path) -> dict[int, str]:
    """Running Datasette processes serving an archive in folder: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split()[2]
            cwd = (entry / "cwd").readlink()
        except OSError:
            continue
        if " -m datasette serve " in command and cwd == folder and state != "Z":
            found[int(entry.name)] = command
    return found


def start_serving(folder: Path) -> subprocess.Popen:
    """`citynews serve` of an archive in folder, in a process of its own."""
    url = archive_with_article(folder / "served.sqlite3")
    port = free_port()
    return subprocess.Popen(
        [sys.executable, "-m", "citynews", "serve", "--port", str(port), "--db", url],
        cwd=folder,
        env=CLI_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for_datasette(server: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + 60
    while not datasette_processes(folder):
        assert server.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_serve_stops_datasette_when_it_is_stopped(stop, tmp_path: Path) -> None:
    server = start_serving(tmp_path)
    marker = tmp_path.resolve()
    try:
        wait_for_datasette(server, marker)
        (command,) = datasette_processes(marker).values()
        metadata = Path(command.split("--metadata ")[1].split()[0])
        assert metadata.exists()
        server.send_signal(stop)
        server.wait(timeout=30)
        deadline = time.monotonic() + 10
        while datasette_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert datasette_processes(marker) == {}
        assert not metadata.parent.exists()
    finally:
        for pid in datasette_processes(marker):
            os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.kill()
            server.wait()


def test_datasette_ends_when_serve_is_killed(tmp_path: Path) -> None:
    server = start_serving(tmp_path)
    marker = tmp_path.resolve()
    try:
        wait_for_datasette(server, marker)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        deadline = time.monotonic() + 10
        while datasette_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert datasette_processes(marker) == {}
    finally:
        for pid in datasette_processes(marker):
            os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.kill()
            server.wait()


def test_serve_on_a_missing_archive_creates_nothing(tmp_path: Path) -> None:
    result = citynews("serve", "--port", str(free_port()), cwd=tmp_path)
    one_line_error(result, 2, "no archive at")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_during_schema_creation_leaves_no_half_schema(tmp_path: Path) -> None:
    disk = tmp_path / "small-disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk (tmpfs) needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    url = f"sqlite:///{disk / 'archive.sqlite3'}"
    try:
        full = citynews("db", "upgrade", "--db", url, cwd=tmp_path)
        one_line_error(full, 2, "database or disk is full (nothing was changed)")
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        assert table_names(url) == []
        one_line_error(citynews("status", "--db", url, cwd=tmp_path), 2, "no archive at")
        assert citynews("db", "upgrade", "--db", url, cwd=tmp_path).returncode == 0
        status = citynews("status", "--db", url, cwd=tmp_path)
        assert status.returncode == 0
        assert "articles: 0" in status.stdout
    finally:
        subprocess.run(["umount", str(disk)], check=True)
