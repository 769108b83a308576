"""Migrations stand alone: no application imports, the models' schema, old archives upgraded."""

import ast
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, insert
from sqlalchemy.orm import Session

from archive.db import alembic_config, create_archive_engine, head_revision, upgrade
from archive.models import Article, Base
from archive.search.query import parse_query
from archive.search.running import Filters, search
from archive.types import UTCDateTime

MIGRATIONS = Path(__file__).parent.parent / "archive" / "migrations"
APPLICATION = frozenset({"archive", "scraper", "exports", "citynews"})
SEARCH_OBJECTS = re.compile(
    r"^(articles_fts.*|search_documents|ix_search_documents_.*|search_lemmas.*|search_index_state|search_postings.*|search_document_parts.*|ix_search_document_parts_.*|document_parts_fts.*)$"
)
T0 = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)


def imported_packages(source: str) -> set[str]:
    """The top-level packages a Python source imports, wherever the import statement is."""
    packages = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            packages.add(node.module.split(".")[0])
    return packages


def test_no_migration_file_imports_the_application() -> None:
    sources = sorted(MIGRATIONS.rglob("*.py"))
    assert len(sources) >= 4
    for source in sources:
        imported = imported_packages(source.read_text(encoding="utf-8"))
        assert not imported & APPLICATION, f"{source.name} imports {imported & APPLICATION}"
    template = (MIGRATIONS / "script.py.mako").read_text(encoding="utf-8")
    template_imports = re.findall(r"^\s*(?:from|import)\s+(\w+)", template, re.MULTILINE)
    assert template_imports
    assert not set(template_imports) & APPLICATION


def test_each_migration_is_named_after_its_revision_and_revises_the_one_before() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == scripts.get_current_head()
    previous = None
    for script in reversed(list(scripts.walk_revisions())):
        assert script.path is not None
        assert Path(script.path).name.split("_", 1)[0] == script.revision
        assert script.down_revision == previous
        previous = script.revision


def test_an_archive_at_the_newest_revision_is_opened_without_importing_alembic(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = create_archive_engine(url)
    assert upgrade(engine) == (None, head_revision())
    engine.dispose()
    program = (
        "import sys; from archive.db import open_archive; "
        f"open_archive({url!r}); print('alembic' in sys.modules)"
    )
    opened = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert opened.stdout.strip() == "False"


def test_the_migrated_schema_is_the_models_schema(db_url) -> None:
    engine = create_archive_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, *_: not SEARCH_OBJECTS.match(name or ""),
            },
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_upgrading_an_archive_indexes_the_articles_it_already_holds(db_url) -> None:
    engine = create_archive_engine(db_url)
    upgrade(engine, "0002")
    count = 1001  # more than two of the migration's batches
    rows = [
        {
            "url": f"https://www.smoladmin.ru/press-centr/novosti/subbotnik-{n}",
            "section": "novosti",
            "title": f"Субботник номер {n}" if n != 7 else None,
            "body_text": "Горожане убрали скверы." if n % 2 else "",
            "fetched_url": f"https://www.smoladmin.ru/press-centr/novosti/subbotnik-{n}",
            "first_seen_at": T0,
            "last_fetched_at": T0,
            "last_changed_at": T0,
        }
        for n in range(count)
    ]
    with Session(engine) as session, session.begin():
        session.execute(insert(Article), rows)
    upgrade(engine)
    with Session(engine) as session:
        found = search(session, parse_query("субботники"), Filters(), limit=count)
        assert len(found) == count - 1  # the article without a title has no such word
        by_body = search(session, parse_query("сквер"), Filters(), limit=count)
        assert {hit.article.url for hit in by_body} == {
            row["url"] for n, row in enumerate(rows) if n % 2
        }
        phrase = search(session, parse_query('"субботник номер 1000"'), Filters())
        assert [hit.article.url for hit in phrase] == [rows[1000]["url"]]
    engine.dispose()


def test_a_generated_migration_imports_nothing_from_the_application(tmp_path: Path) -> None:
    engine = create_archive_engine(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    upgrade(engine)
    target = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(target)
    Table(
        "probe",
        target,
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime(timezone=True)),
    )
    versions = tmp_path / "versions"
    versions.mkdir()
    config = alembic_config(engine)
    config.attributes["target_metadata"] = target
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", f"{MIGRATIONS / 'versions'}{os.pathsep}{versions}")
    command.revision(config, "probe", autogenerate=True, rev_id="9999", version_path=str(versions))
    [generated] = versions.glob("*.py")
    source = generated.read_text(encoding="utf-8")
    assert not imported_packages(source) & APPLICATION
    assert "sa.DateTime(timezone=True)" in source
    assert "op.create_table" in source
    assert "probe" in source
    engine.dispose()
