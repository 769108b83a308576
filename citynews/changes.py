"""What changed, for people and programs: the diff of an edit, the words it added and removed,
and the changes as a table, a JSON array or CSV."""

import difflib
from collections.abc import Iterable
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from archive.change_queries import CHANGE_KINDS, Change
from archive.digest_queries import Edit
from citynews.display import for_terminal, local_time, zone_name
from citynews.tabular import write_csv, write_json_array
from exports.records import iso

CHANGE_FIELDS = (
    "kind",
    "at",
    "url",
    "section",
    "title",
    "published_at",
    "title_before",
    "words_added",
    "words_removed",
    "diff",
    "http_status",
)


def version_lines(title: str | None, body: str) -> list[str]:
    """A version of an article as the lines a diff compares: its title, then its text."""
    return [f"# {title or ''}", *body.split("\n")]


def edit_diff(edit: Edit) -> str:
    """The unified diff of an edit's title and text, one line of context around each change."""
    before = version_lines(edit.before_title, edit.before_body)
    after = version_lines(edit.after_title, edit.after_body)
    lines = difflib.unified_diff(before, after, "before", "after", n=1, lineterm="")
    return "\n".join(line for line in lines if not line.startswith(("---", "+++")))


def word_changes(edit: Edit) -> tuple[int, int]:
    """How many words an edit added and removed, title and text together."""
    before = " ".join(version_lines(edit.before_title, edit.before_body)).split()
    after = " ".join(version_lines(edit.after_title, edit.after_body)).split()
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def change_row(change: Change, site_tz: ZoneInfo) -> dict[str, Any]:
    """One change as a plain record (CHANGE_FIELDS), its text as stored."""
    article, edit = change.article, change.edit
    added, removed = word_changes(edit) if edit else (None, None)
    return {
        "kind": change.kind,
        "at": iso(change.at, site_tz),
        "url": article.url,
        "section": article.section,
        "title": article.title,
        "published_at": iso(article.published_at, site_tz),
        "title_before": edit.before_title if edit else None,
        "words_added": added,
        "words_removed": removed,
        "diff": edit_diff(edit) if edit else None,
        "http_status": change.status,
    }


def change_entry(change: Change, site_tz: ZoneInfo) -> str:
    """One change for reading: when, what, the article and its link; for an edit, its diff."""
    article = change.article
    status = f" (HTTP {change.status})" if change.status else ""
    lines = [
        f"{local_time(change.at, site_tz)}  {change.kind:<8} {article.section}{status}",
        f"  {article.title or '(no title)'}",
        f"  {article.url}",
    ]
    if change.edit:
        added, removed = word_changes(change.edit)
        lines.append(f"  words added {added}, removed {removed}")
        lines += [f"    {line}" for line in edit_diff(change.edit).split("\n") if line]
    return for_terminal("\n".join(lines))


def write_changes(stream: TextIO, changes: Iterable[Change], fmt: str, site_tz: ZoneInfo) -> int:
    """Write changes as a table for people, one JSON array, or CSV; how many."""
    if fmt == "json":
        return write_json_array(stream, (change_row(change, site_tz) for change in changes))
    if fmt == "csv":
        rows = (change_row(change, site_tz) for change in changes)
        return write_csv(stream, CHANGE_FIELDS, rows)
    count = 0
    for count, change in enumerate(changes, start=1):
        print(("\n" if count > 1 else "") + change_entry(change, site_tz), file=stream)
    return count


def counts_line(changes: Iterable[Change]) -> str:
    """How many changes of each kind: 'new 3, edited 1, removed 0, restored 0'."""
    counted = dict.fromkeys(CHANGE_KINDS, 0)
    for change in changes:
        counted[change.kind] = counted.get(change.kind, 0) + 1
    return ", ".join(f"{kind} {count}" for kind, count in counted.items())


def totals_line(period: str, changes: list[Change], site_tz: ZoneInfo) -> str:
    """What the list covered, the zone of its times, and how many changes of each kind."""
    return (
        f"{len(changes)} change(s) {period}, times in {zone_name(site_tz)}: {counts_line(changes)}"
    )
