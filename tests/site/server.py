"""Local HTTP server of the fake smoladmin.ru: `python -m tests.site.server --port 0`."""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import content

LOCK = threading.Lock()
STATE: dict = {"views_delta": 0, "requests": [], "hits": {}}


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

    def _target(self) -> str:
        """The request's path and query, even for an absolute-form request line."""
        parts = urlsplit(self.path)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def do_GET(self) -> None:
        """Serve a page; the flaky article answers 503 on its first request."""
        target = self._target()
        if target == "/__admin/requests":
            with LOCK:
                body = json.dumps(STATE["requests"], ensure_ascii=False).encode()
            return self._send(200, {"Content-Type": "application/json"}, body)
        path = urlsplit(target).path.rstrip("/")
        with LOCK:
            STATE["requests"].append(target)
            hits = STATE["hits"][path] = STATE["hits"].get(path, 0) + 1
            delta = STATE["views_delta"]
        if path == content.FLAKY_PATH and hits == 1:
            headers = {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "1"}
            return self._send(503, headers, "Сервис временно недоступен".encode())
        self._send(*content.render(target, views_delta=delta))

    do_HEAD = do_GET

    def do_POST(self) -> None:
        """POST /__admin/state {"views_delta": N} adds N to every view count."""
        if self._target() != "/__admin/state":
            return self._send(405, {"Content-Type": "text/plain"}, b"method not allowed")
        data = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with LOCK:
            STATE["views_delta"] += int(data.get("views_delta", 0))
            body = json.dumps({"views_delta": STATE["views_delta"]}).encode()
        self._send(200, {"Content-Type": "application/json"}, body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
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
