"""Local HTTP server of the fake smoladmin.ru: `python -m tests.site.server --port 0`."""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import content, hostile
from .state import State

LOCK = threading.Lock()
STATE = State()  # replaced, never mutated, so a request can use the one it read
REQUESTS: list[str] = []  # every non-admin request target served
HITS: dict[str, int] = {}  # requests per page path over the process's life (the flaky page)
JSON = "application/json; charset=utf-8"


def hold(since: float) -> None:
    """Delay an article by the site's current delay: lowering it releases waiting requests."""
    while time.monotonic() - since < STATE.delay:
        time.sleep(0.02)


class Handler(BaseHTTPRequestHandler):
    """Serves every path whatever the Host header says; /__admin/* controls the state."""

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Write a whole response."""
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: object) -> None:
        """Write a JSON response."""
        self._send(status, {"Content-Type": JSON}, json.dumps(data, ensure_ascii=False).encode())

    def _target(self) -> str:
        """The request's path and query, even for an absolute-form request line."""
        parts = urlsplit(self.path)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _admin(self) -> str:
        """The path of an admin request, or "" for a site request."""
        path = urlsplit(self._target()).path.rstrip("/")
        return path if path.startswith("/__admin/") else ""

    def _clear_requests(self) -> None:
        """Empty the request log."""
        with LOCK:
            cleared = len(REQUESTS)
            REQUESTS.clear()
        self._json(200, {"cleared": cleared})

    def do_GET(self) -> None:
        """Serve a page (delayed for articles); the flaky article answers 503 on its first hit."""
        if admin := self._admin():
            with LOCK:
                state, requests = STATE, list(REQUESTS)
            answers = {
                "/__admin/requests": lambda: requests,
                "/__admin/expected": state.expected,
                "/__admin/state": state.summary,
            }
            if admin not in answers:
                return self._json(404, {"error": f"no admin endpoint {admin}"})
            return self._json(200, answers[admin]())
        target = self._target()
        path = content.page_path(target)
        with LOCK:
            REQUESTS.append(target)
            hits = HITS[path] = HITS.get(path, 0) + 1
            state = STATE
        articles = state.articles()
        if state.hostile and (
            answer := hostile.answer(target, state.hostile, articles, self.headers.get("Host", ""))
        ):
            return self._send(*answer)
        article = content.article_at(path, articles)
        if article:
            hold(time.monotonic())
        if article and path == content.FLAKY_PATH and hits == 1:
            headers = {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "1"}
            return self._send(503, headers, "Сервис временно недоступен".encode())
        self._send(*content.render(target, articles, state.views_delta, state.broken))

    do_HEAD = do_GET

    def do_POST(self) -> None:
        """POST /__admin/state applies changes (see state.State.changed); /requests/clear."""
        global STATE
        admin = self._admin()
        if admin == "/__admin/requests/clear":
            return self._clear_requests()
        if admin != "/__admin/state":
            return self._json(405, {"error": "method not allowed"})
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            data = json.loads(raw or b"{}")
            with LOCK:
                STATE = STATE.changed(data)
                if data.get("reset"):
                    REQUESTS.clear()
                summary = STATE.summary()
        except ValueError as error:  # includes json.JSONDecodeError
            return self._json(400, {"error": str(error)})
        self._json(200, summary)

    def do_DELETE(self) -> None:
        """DELETE /__admin/requests empties the request log."""
        if self._admin() != "/__admin/requests":
            return self._json(405, {"error": "method not allowed"})
        self._clear_requests()

    def log_message(self, format: str, *args: object) -> None:
        """Keep stdout clean: request logs go nowhere."""


def main(argv: list[str] | None = None) -> None:
    """Bind, print `LISTENING http://HOST:PORT`, serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"LISTENING http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
