"""The changing state of the fixture site: publications, edits, deletions, redesign, delay, days."""

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime

from . import content, hostile

KEYS = frozenset(
    {"reset", "views_delta", "publish", "edit_title", "edit_body", "edit_meta"}
    | {"delete", "restore", "break_templates", "delay", "advance_days", "hostile"}
)
PUBLISH_KEYS = frozenset({"section", "slug", "title", "when", "views", "paragraphs"})
META_KEYS = frozenset({"updated", "views"})


def _typed(value: object, kind: type | tuple[type, ...], what: str) -> object:
    """The value, or ValueError when it is not of the expected JSON type."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f"{what}: wrong type {type(value).__name__}")
    return value


def _strings(value: object, what: str) -> list[str]:
    """A JSON list of strings, or ValueError."""
    return [_typed(x, str, what) for x in _typed(value, list, what)]


def _when(value: object, what: str) -> str:
    """'YYYY-MM-DD HH:MM' as the content format 'YYYY-MM-DDTHH:MM', or ValueError."""
    try:
        return datetime.strptime(_typed(value, str, what), "%Y-%m-%d %H:%M").strftime(
            "%Y-%m-%dT%H:%M"
        )
    except ValueError:
        raise ValueError(f"{what}: expected 'YYYY-MM-DD HH:MM', got {value!r}") from None


@dataclass
class State:
    """The site now, as changes over the initial content (apply changes with `changed`)."""

    views_delta: int = 0
    days: int = 0
    published: list[dict] = field(default_factory=list)
    edits: dict[str, dict] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    broken: bool = False
    delay: float = 0.0
    hostile: dict | None = None  # see hostile.py

    def articles(self) -> list[dict]:
        """The current articles: edited, views grown by the days passed, deleted ones left out."""
        return [
            content.aged({**a, **self.edits.get(content.path_of(a), {})}, self.days)
            for a in content.ARTICLES + self.published
            if content.path_of(a) not in self.deleted
        ]

    def expected(self) -> list[dict]:
        """What a correct crawl of the site as it is now must archive."""
        return content.expected_articles(self.articles(), self.views_delta)

    def summary(self) -> dict:
        """The state as JSON-ready data."""
        return {
            "views_delta": self.views_delta,
            "days": self.days,
            "published": [content.path_of(a) for a in self.published],
            "edited": sorted(self.edits),
            "deleted": sorted(self.deleted),
            "break_templates": self.broken,
            "delay": self.delay,
            "hostile": self.hostile,
            "expected": len(self.expected()),
        }

    def changed(self, data: object) -> "State":
        """A new state with a POST /__admin/state body applied; ValueError when it is invalid."""
        data = _typed(data, dict, "body")
        if unknown := set(data) - KEYS:
            raise ValueError(f"unknown keys: {sorted(unknown)}")
        new = State() if _typed(data.get("reset", False), bool, "reset") else copy.deepcopy(self)
        new.views_delta += _typed(data.get("views_delta", 0), int, "views_delta")
        new.days += _typed(data.get("advance_days", 0), int, "advance_days")
        if new.days < 0:
            raise ValueError("advance_days must not take the site before its start")
        for spec in _typed(data.get("publish", []), list, "publish"):
            new._publish(spec)
        for path, title in new._by_path(data, "edit_title").items():
            new.edits.setdefault(path, {})["title"] = _typed(title, str, f"edit_title {path}")
        for path, body in new._by_path(data, "edit_body").items():
            new.edits.setdefault(path, {})["body"] = _strings(body, f"edit_body {path}")
        for path, meta in new._by_path(data, "edit_meta").items():
            new._edit_meta(path, _typed(meta, dict, f"edit_meta {path}"))
        new.deleted |= {new._known(p) for p in _strings(data.get("delete", []), "delete")}
        new.deleted -= {new._known(p) for p in _strings(data.get("restore", []), "restore")}
        new.broken = _typed(data.get("break_templates", new.broken), bool, "break_templates")
        new.delay = float(_typed(data.get("delay", new.delay), (int, float), "delay"))
        if "hostile" in data:
            new.hostile = hostile.checked(data["hostile"])
        if new.delay < 0:
            raise ValueError("delay must not be negative")
        return new

    def _known(self, path: str) -> str:
        """An article path (trailing slash dropped), or ValueError when no article has it."""
        path = path.rstrip("/")
        if path not in {content.path_of(a) for a in content.ARTICLES + self.published}:
            raise ValueError(f"no article at {path!r}")
        return path

    def _by_path(self, data: dict, key: str) -> dict[str, object]:
        """A {path: value} edit from the body, with its paths checked."""
        return {self._known(p): v for p, v in _typed(data.get(key, {}), dict, key).items()}

    def _publish(self, spec: object) -> None:
        """Add one new article from a publish item."""
        spec = _typed(spec, dict, "publish item")
        if bad := set(spec) - PUBLISH_KEYS:
            raise ValueError(f"unknown publish keys: {sorted(bad)}")
        if missing := {"section", "slug", "title", "when"} - set(spec):
            raise ValueError(f"missing publish keys: {sorted(missing)}")
        section = content.SECTIONS.get(_typed(spec["section"], str, "section"))
        slug = _typed(spec["slug"], str, "slug")
        if not section or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            raise ValueError(f"bad section or slug: {spec['section']!r} {slug!r}")
        when = _when(spec["when"], f"when of {slug}")
        article = {
            "section": spec["section"],
            "slug": slug,
            "title": _typed(spec["title"], str, "title"),
            "when": when if section["meta"] else when[:10],
            "views": _typed(spec.get("views", 0), int, "views"),
            "body": _strings(spec.get("paragraphs", []), "paragraphs"),
        }
        path = content.path_of(article)
        if path in {content.path_of(a) for a in content.ARTICLES + self.published}:
            raise ValueError(f"an article already exists at {path!r}")
        self.published.append(article)

    def _edit_meta(self, path: str, meta: dict) -> None:
        """Set an article's `updated` time (null removes it) and/or its base view count."""
        if bad := set(meta) - META_KEYS:
            raise ValueError(f"unknown edit_meta keys: {sorted(bad)}")
        edit = self.edits.setdefault(path, {})
        if "updated" in meta:
            updated = meta["updated"]
            edit["updated"] = None if updated is None else _when(updated, f"updated of {path}")
        if "views" in meta:
            edit["views"] = _typed(meta["views"], int, f"views of {path}")
