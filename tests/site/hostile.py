"""Hostile modes of the fixture site: what a broken, hijacked or malicious server answers.

Switched with POST /__admin/state {"hostile": {"mode": NAME, ...}} ({"hostile": null} ends it).
Each mode answers some requests itself and leaves the others to the normal site.
"""

import gzip
import math
import random
import time
from email.utils import formatdate
from urllib.parse import parse_qsl, urlsplit

from . import content
from . import templates as t

MODES = frozenset(
    {
        "maintenance",  # every article URL: 200 with the same maintenance page
        "random_bytes",  # every article URL: 200, text/html, random bytes
        "gzip_bomb",  # every article URL: a small gzip body that expands to `size_mb` MB
        "huge_page",  # every article URL: the article padded to `size_mb` MB
        "deep_nesting",  # every article: a paragraph inside `depth` nested divs
        "endless_listing",  # novosti: page N always links to N+1 (`articles`: same|new)
        "redirect_loop",  # `what`: the novosti listing or every article redirects to itself
        "rate_limited",  # every article: 429 with Retry-After `seconds` (`http_date`: as a date)
        # until that time has passed, then the page
    }
)
PARAMS = {
    "size_mb": (int, float),
    "depth": int,
    "articles": str,
    "what": str,
    "seconds": int,
    "http_date": bool,
}
MAINTENANCE_TITLE = "Сайт на техническом обслуживании"
DEEP_PARAGRAPH = "Этот абзац лежит глубоко внутри вложенных блоков."
Response = tuple[int, dict[str, str], bytes]


def checked(spec: object) -> dict | None:
    """A hostile mode spec from the admin API (a name or {"mode": name, ...}); ValueError."""
    if spec is None:
        return None
    if isinstance(spec, str):
        spec = {"mode": spec}
    if not isinstance(spec, dict) or spec.get("mode") not in MODES:
        raise ValueError(f"hostile: expected one of {sorted(MODES)}, got {spec!r}")
    for name, value in spec.items():
        if name != "mode" and (name not in PARAMS or not isinstance(value, PARAMS[name])):
            raise ValueError(f"hostile: bad parameter {name}={value!r}")
    return dict(spec)


def answer(target: str, spec: dict, articles: list[dict]) -> Response | None:
    """The hostile answer to a request, or None when the normal site answers it."""
    path = content.page_path(target)
    mode = spec["mode"]
    if mode == "endless_listing":
        return _endless_listing(target, spec.get("articles", "same"), articles)
    if mode == "redirect_loop" and spec.get("what", "article") == "listing":
        if path == content.NOVOSTI.rstrip("/"):
            return 302, {"Location": target, "Content-Type": content.HTML}, b""
        return None
    if not _is_article_path(path):
        return None
    if mode == "rate_limited":
        return _rate_limited(path, spec.get("seconds", 1), spec.get("http_date", False))
    if mode == "maintenance":
        return 200, {"Content-Type": content.HTML}, maintenance_page().encode()
    if mode == "random_bytes":
        noise = random.Random(path).randbytes(8000)
        return 200, {"Content-Type": content.HTML}, noise
    if mode == "gzip_bomb":
        size = int(spec.get("size_mb", 16) * 1024 * 1024)
        headers = {"Content-Type": content.HTML, "Content-Encoding": "gzip"}
        return 200, headers, _bomb(size)
    if mode == "redirect_loop":
        return 302, {"Location": target, "Content-Type": content.HTML}, b""
    article = content.article_at(path, articles)
    if article is None:
        return None
    status, headers, body = content.render(target, articles)
    if mode == "huge_page":
        padding = int(spec.get("size_mb", 30) * 1024 * 1024)
        body = body.replace(b"</body>", b"<p>" + b"x" * padding + b"</p></body>")
    elif mode == "deep_nesting":
        depth = int(spec.get("depth", 1500))
        deep = "<div>" * depth + f"<p>{DEEP_PARAGRAPH}</p>" + "</div>" * depth
        body = body.replace(b"</h1>", b"</h1>" + deep.encode(), 1)
    return status, headers, body


def maintenance_page() -> str:
    """What a site under maintenance shows at every address."""
    inner = f"<main><h1>{MAINTENANCE_TITLE}</h1><p>Зайдите позже.</p></main>\n"
    return t.document(MAINTENANCE_TITLE, inner)


def _is_article_path(path: str) -> bool:
    """Whether a path lies below a section's listing (an article address, known or not)."""
    return (
        any(
            path.startswith(section["path"]) and path != section["path"].rstrip("/")
            for section in content.SECTIONS.values()
        )
        and not path.rstrip("/").split("/")[-1].isdigit()
    )


def _bomb(size: int) -> bytes:
    """A gzip body of `size` zero bytes, compressed once per process and size."""
    if size not in _BOMBS:
        _BOMBS[size] = gzip.compress(b"\0" * size, compresslevel=9)
    return _BOMBS[size]


_BOMBS: dict[int, bytes] = {}


def _endless_listing(target: str, kind: str, articles: list[dict]) -> Response | None:
    """A novosti listing page N that links to N+1 for ever, with the same or new articles."""
    if content.page_path(target) != content.NOVOSTI.rstrip("/"):
        return None
    query = dict(parse_qsl(urlsplit(target).query))
    number = int(query["page"]) if query.get("page", "").isdigit() else 1
    items = content.section_items(articles, "novosti")
    per_page = content.SECTIONS["novosti"]["per_page"]
    last = max(1, math.ceil(len(items) / per_page))
    if kind == "new" and number > last:
        listed = [
            (f"{content.NOVOSTI}novost-{number}-{i}", f"Новость {number}-{i}", "12.11.2025")
            for i in range(per_page)
        ]
    else:
        shown = min(number, last)
        listed = [
            (content.path_of(a), a["title"], content._dmy(a["when"], False))
            for a in items[(shown - 1) * per_page : shown * per_page]
        ]
    html = "".join(t.listing_item("query", href, title, day, "") for href, title, day in listed)
    pager = (
        f'<div class="b-pageline"><span>{number}</span> '
        f'<a class="b-pageline__next" href="?page={number + 1}">Следующая</a></div>'
    )
    inner = f'<main class="listing"><h1>Новости</h1><div class="list">{html}</div>{pager}</main>'
    return 200, {"Content-Type": content.HTML}, t.document("Новости", inner).encode()


_NOT_BEFORE: dict[str, float] = {}  # article path: when a rate-limited site serves it again


def _rate_limited(path: str, seconds: int, http_date: bool) -> Response | None:
    """429 with Retry-After until the time the first answer asked to wait has passed."""
    now = time.time()
    not_before = _NOT_BEFORE.setdefault(path, now + seconds)
    if now >= not_before:
        return None
    wait = math.ceil(not_before - now)
    retry_after = formatdate(now + wait, usegmt=True) if http_date else str(wait)
    headers = {"Content-Type": "text/plain; charset=utf-8", "Retry-After": retry_after}
    return 429, headers, "Слишком много запросов".encode()
