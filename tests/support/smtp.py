"""A real SMTP server for tests: aiosmtpd on a free loopback port, recording what it accepts."""

from __future__ import annotations

import email
import socket
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import Envelope, Session

HOST = "127.0.0.1"


class RecordingHandler:
    """Records what it accepts; ``refuse`` makes it answer a code at RCPT or DATA."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.greetings = 0
        self.refuse: tuple[str, str] | None = None

    async def handle_EHLO(
        self,
        server: SmtpServer,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self,
        server: SmtpServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.refuse and self.refuse[0] == "rcpt":
            return self.refuse[1]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        if self.refuse and self.refuse[0] == "data":
            return self.refuse[1]
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"


class ClosingController(Controller):
    """A controller whose stop also closes open client connections, as a real relay does."""

    def __init__(self, handler: RecordingHandler, port: int) -> None:
        super().__init__(handler, hostname=HOST, port=port, ready_timeout=5)
        self.servers: list[SmtpServer] = []

    def factory(self) -> SmtpServer:
        server = super().factory()
        self.servers.append(server)
        return server

    def stop(self, no_assert: bool = False) -> None:
        for server in self.servers:
            if server.transport is not None:
                self.loop.call_soon_threadsafe(server.transport.close)
        self.servers.clear()
        super().stop(no_assert)


class Relay:
    """One local SMTP server that tests can stop and start again on the same port."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller: ClosingController | None = None

    def start(self) -> None:
        self.controller = ClosingController(self.handler, self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_for_messages(relay: Relay, count: int, timeout_s: float = 30.0) -> list[EmailMessage]:
    """The messages the relay accepted, once there are at least ``count`` (or the timeout)."""
    import time

    deadline = time.monotonic() + timeout_s
    while len(relay.handler.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(relay.handler.messages)
