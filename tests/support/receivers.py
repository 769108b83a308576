"""Real services that receive notifications in tests: a local HTTP server taking apprise's
json:// webhooks, and an SMTP server (aiosmtpd) taking its mails."""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.http import threaded_server


@dataclass
class Webhook:
    """Webhook posts received: those answered 200 are `accepted`; `status` is the answer."""

    url: str
    status: int = 200
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    hold: threading.Event | None = None  # set: answer nothing until it is set
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def json_url(self) -> str:
        return self.url.replace("http://", "json://", 1)


@contextmanager
def webhook_server() -> Iterator[Webhook]:
    hook = Webhook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            hook.arrived.set()
            if hook.hold is not None:
                hook.hold.wait()
                return
            (hook.accepted if hook.status == 200 else hook.refused).append(body)
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with threaded_server(Handler) as address:
        hook.url = f"{address}/hook"
        try:
            yield hook
        finally:
            if hook.hold is not None:
                hook.hold.set()


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    answer: str = "250 OK"

    def mailto(self, to: str = "desk@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=watch@example.org&to={to}"


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[Mailbox]:
    """An SMTP server on `port` (default: a free one) keeping the mails it accepts."""
    box = Mailbox(port or free_port())

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            if box.answer.startswith("250"):
                parsed = message_from_bytes(envelope.content, policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                box.messages.append(parsed)
            return box.answer

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def free_port() -> int:
    """A TCP port nothing listens on now (aiosmtpd needs its port before it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
