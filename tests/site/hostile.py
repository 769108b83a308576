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
        "soft_404",  # articles (`paths`, else all): 200 «not found» pages, wordings in turn
        "redirect_gone",  # articles (`paths`, else all): 301 `to` home|section|page (not news)
        "moved_host",  # `what` all|pages (not robots.txt)|articles: 301 to the same on `host`
        "robots_status",  # robots.txt answers `status` (503 unless given)
        "robots_huge",  # robots.txt: the site's rules, then comment lines up to `size_mb` MB
        "rate_limited",  # every article: 429 with Retry-After `seconds` (`http_date`: as a date)
        # until that time has passed, then the page
    }
)
PARAMS = {
    "size_mb": (int, float),
    "depth": int,
    "articles": str,
    "what": str,
    "paths": list,
    "to": str,
    "host": str,
    "status": int,
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
    if spec["mode"] == "moved_host" and not isinstance(spec.get("host"), str):
        raise ValueError("hostile: moved_host needs a host, such as 'http://localhost:8001'")
    for name, value in spec.items():
        if name != "mode" and (name not in PARAMS or not isinstance(value, PARAMS[name])):
            raise ValueError(f"hostile: bad parameter {name}={value!r}")
    return dict(spec)


def answer(target: str, spec: dict, articles: list[dict], host: str = "") -> Response | None:
    """The hostile answer to a request (to `host`, its Host header), or None when the normal
    site answers it."""
    path = content.page_path(target)
    mode = spec["mode"]
    if mode.startswith("robots_"):
        return _robots(spec) if path == "/robots.txt" else None
    what = spec.get("what", "all")
    moves = {"all": True, "pages": path != "/robots.txt", "articles": _is_article_path(path)}
    moved = urlsplit(spec.get("host", "")).netloc.lower() != host.lower()
    if mode == "moved_host" and moved and moves.get(what, False):
        return (
            301,
            {"Location": spec["host"].rstrip("/") + target, "Content-Type": content.HTML},
            b"",
        )
    if mode == "redirect_gone" and path == OTHER_PAGE_PATH:
        return 200, {"Content-Type": content.HTML}, other_page().encode()
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
    if mode in ("soft_404", "redirect_gone") and not _chosen(path, spec):
        return None
    if mode == "soft_404":
        known = [content.path_of(a) for a in content.ARTICLES]
        wording = known.index(path) if path in known else len(path)
        return 200, {"Content-Type": content.HTML}, not_found_page(wording).encode()
    if mode == "redirect_gone":
        return (
            301,
            {"Location": _gone_target(path, spec.get("to", "home")), "Content-Type": content.HTML},
            b"",
        )
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


OTHER_PAGE_PATH = "/ob-administracii/struktura"
# How this kind of CMS says a page is gone, in its own chrome: (title, content) pairs.
NOT_FOUND_PAGES = (
    (
        "Страница не найдена",
        "<main><h1>Страница не найдена</h1>"
        "<p>Запрашиваемая страница не существует или была удалена.</p></main>",
    ),
    (
        "Ошибка 404",
        '<div class="content"><h2>Ошибка 404</h2><p>К сожалению, запрашиваемая вами страница '
        "не найдена. Возможно, вы ввели неверный адрес.</p>"
        '<p><a href="/">Вернуться на главную</a></p></div>',
    ),
    (
        "",
        '<div class="b-content"><div class="b-message"><b>Материал удалён</b></div>'
        "<p>Новость, которую вы ищете, была удалена или перемещена.</p></div>",
    ),
    (
        "",
        '<div class="page-body"><p>404. Такой страницы нет на сайте.</p>'
        '<p><a href="/search/">Поиск по сайту</a></p></div>',
    ),
    (
        "404 Not Found",
        "<main><h1>Not Found</h1><p>The requested URL was not found on this server.</p></main>",
    ),
)


def not_found_page(wording: int) -> str:
    """A «page not found» page with the site's chrome, served with 200."""
    title, inner = NOT_FOUND_PAGES[wording % len(NOT_FOUND_PAGES)]
    return t.document(title, inner + "\n", 1 + wording % 2)


def other_page() -> str:
    """A page of the site that is not news: the administration's structure."""
    inner = (
        "<main><h1>Структура Администрации</h1><p>Глава города, заместители Главы города, "
        "управления и комитеты Администрации города Смоленска.</p></main>\n"
    )
    return t.document("Структура Администрации", inner)


def _chosen(path: str, spec: dict) -> bool:
    """Whether a mode that takes `paths` applies to this article path (all when none given)."""
    paths = spec.get("paths")
    return paths is None or path in {p.rstrip("/") for p in paths}


def _gone_target(path: str, to: str) -> str:
    """Where a retired article redirects: the home page, its section's listing, another page."""
    if to == "section":
        return next(s["path"] for s in content.SECTIONS.values() if path.startswith(s["path"]))
    return OTHER_PAGE_PATH + "/" if to == "page" else "/"


def _robots(spec: dict) -> Response:
    """robots.txt in a robots_* mode."""
    text = {"Content-Type": "text/plain; charset=utf-8"}
    if spec["mode"] == "robots_status":
        return spec.get("status", 503), text, "Сервис временно недоступен".encode()
    size = int(spec.get("size_mb", 6) * 1024 * 1024)
    line = b"# " + b"x" * 98 + b"\n"
    return 200, text, content.ROBOTS_TXT.encode() + line * (size // len(line))


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
    if http_date:  # whole seconds, rounded up: a client that waits until then is never early
        retry_after = formatdate(math.ceil(not_before), usegmt=True)
    else:
        retry_after = str(math.ceil(not_before - now))
    headers = {"Content-Type": "text/plain; charset=utf-8", "Retry-After": retry_after}
    return 429, headers, "Слишком много запросов".encode()
