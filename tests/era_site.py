"""A news section whose older pages lack a field: `python -m tests.era_site --current N --old M
--old-lacks views|time --port 0`.

/press-centr/novosti/ lists N articles of 2021-2022 whose meta line has a time and a view
count, and M articles of 2016 whose meta line lacks the view count (views) or the time (time),
newest first, 20 a page. The pages use the fixture site's chrome (tests/site/templates.py).
"""

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.site import templates as t

SECTION = "/press-centr/novosti/"
PER_PAGE = 20
ROBOTS_TXT = "User-agent: *\nDisallow: /search/\n"
WORDS = [
    "дорог", "парков", "школ", "дворов", "мостов",
    "скверов", "библиотек", "остановок", "набережных", "площадей",
]  # fmt: skip


@dataclass(frozen=True)
class Story:
    number: int
    published: datetime
    old: bool

    @property
    def path(self) -> str:
        return f"{SECTION}novost-{self.number}"

    @property
    def title(self) -> str:
        return f"Ремонт {WORDS[self.number % 10]} в районе номер {self.number} завершён"

    @property
    def paragraphs(self) -> list[str]:
        return [
            f"Подрядчик завершил работы на объекте номер {self.number} в {self.published:%Y} году.",
            f"Жители района {self.number} оценили обновлённые {WORDS[(self.number + 3) % 10]}.",
        ]


def stories(current: int, old: int) -> list[Story]:
    """The section's articles, newest first."""
    made = [
        Story(n, datetime(2022, 12, 20, 15, 40) - timedelta(days=11 * n, minutes=7 * n), False)
        for n in range(current)
    ]
    made += [
        Story(current + n, datetime(2016, 12, 1, 10, 5) - timedelta(days=9 * n), True)
        for n in range(old)
    ]
    return made


def meta_line(story: Story, lacks: str) -> str:
    """Опубликовано: DD.MM.YYYY HH:MM Просмотров: N, without the field the old era lacks."""
    views = f" Просмотров: {100 + story.number}"
    when = f"{story.published:%d.%m.%Y %H:%M}"
    if story.old and lacks == "views":
        views = ""
    if story.old and lacks == "time":
        when = f"{story.published:%d.%m.%Y}"
    return f'<div class="b-article__info">Опубликовано: {when}{views}</div>'


def article_page(story: Story, lacks: str) -> str:
    body = "".join(f"<p>{t.e(text)}</p>" for text in story.paragraphs)
    main = t.article_main(1, story.title, body, meta_line(story, lacks), "", "Главная • Новости")
    return t.document(story.title, main)


def listing_page(items: list[Story], page: int, pages: int) -> str:
    html = "".join(
        t.listing_item("query", s.path, s.title, f"{s.published:%d.%m.%Y}", s.paragraphs[0])
        for s in items
    )
    inner = (
        f'<main class="listing"><h1>Новости</h1>\n<div class="list">{html}</div>\n'
        f"{t.pager('query', SECTION, page, pages)}</main>\n"
    )
    return t.document("Новости", inner)


def serve(current: int, old: int, lacks: str, port: int) -> None:
    """Serve the section on 127.0.0.1:port; print `LISTENING http://HOST:PORT`."""
    section = stories(current, old)
    by_path = {story.path: story for story in section}
    pages = max(1, -(-len(section) // PER_PAGE))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/") or "/"
            if parts.path == "/robots.txt":
                return self.send(200, ROBOTS_TXT, "text/plain")
            if path == SECTION.rstrip("/"):
                page = int(parse_qs(parts.query).get("page", ["1"])[0])
                if 1 <= page <= pages:
                    items = section[(page - 1) * PER_PAGE : page * PER_PAGE]
                    return self.send(200, listing_page(items, page, pages))
            if path in by_path:
                return self.send(200, article_page(by_path[path], lacks))
            return self.send(404, t.document("Страница не найдена", "<p>Нет такой страницы</p>"))

        def send(self, status: int, text: str, kind: str = "text/html") -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"LISTENING http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--current", type=int, required=True)
    parser.add_argument("--old", type=int, required=True)
    parser.add_argument("--old-lacks", choices=("views", "time"), required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    serve(args.current, args.old, args.old_lacks, args.port)


if __name__ == "__main__":
    main()
