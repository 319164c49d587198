"""A real SMTP server for tests: aiosmtpd on a free loopback port, recording what it accepts."""

from __future__ import annotations

import email
import random
import socket
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import AuthResult, Envelope, Session

from tests.support.tls import ServerCertificate

HOST = "127.0.0.1"
_PICK = random.SystemRandom()  # not the seeded global generator: picks must not repeat


class RecordingHandler:
    """Records what it accepts; ``refuse`` makes it answer a code at RCPT or DATA."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived: list[float] = []  # time.monotonic() of each message, in step with them
        self.greetings = 0
        self.refuse: tuple[str, str] | None = None
        self.refusals_left: int | None = None  # refuse only this many times, then accept
        self.sessions: list[tuple[bool, bool]] = []  # (authenticated, over TLS) per message
        self.attempts = 0  # DATA commands, accepted or not

    def _refusal(self, stage: str) -> str | None:
        if not self.refuse or self.refuse[0] != stage:
            return None
        reply = self.refuse[1]
        if self.refusals_left is not None:
            self.refusals_left -= 1
            if self.refusals_left <= 0:
                self.refuse = self.refusals_left = None
        return reply

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
        refusal = self._refusal("rcpt")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        secure = server.transport is not None and server.transport.get_extra_info("ssl_object")
        self.sessions.append((bool(session.authenticated), bool(secure)))
        refusal = self._refusal("data")
        if refusal:
            return refusal
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.arrived.append(time.monotonic())
        self.messages.append(parsed)
        return "250 Message accepted"


class ClosingController(Controller):
    """A controller whose stop also closes open client connections, as a real relay does."""

    def __init__(self, handler: RecordingHandler, port: int, **options: Any) -> None:
        super().__init__(handler, hostname=HOST, port=port, ready_timeout=5, **options)
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
    """One local SMTP server that tests can stop and start again on the same port.

    With ``tls`` and ``certificate`` it speaks STARTTLS (required) or implicit TLS; with
    ``credentials`` it requires AUTH, over TLS only, as a real relay does.
    """

    def __init__(
        self,
        tls: str = "none",
        certificate: ServerCertificate | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller: ClosingController | None = None
        self.options: dict[str, Any] = {}
        if tls == "starttls" and certificate is not None:
            self.options |= {"tls_context": certificate.server_context(), "require_starttls": True}
        if tls == "tls" and certificate is not None:
            # aiosmtpd cannot tell an implicit TLS socket is secure: let AUTH through.
            self.options |= {"ssl_context": certificate.server_context(), "auth_require_tls": False}
        if credentials is not None:
            self.options |= {"auth_required": True, "authenticator": _authenticator(credentials)}

    def start(self) -> None:
        self.controller = ClosingController(self.handler, self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _authenticator(credentials: tuple[str, str]) -> Any:
    def authenticate(
        server: SmtpServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if data else None
        return AuthResult(success=given == credentials, handled=False)

    return authenticate


def free_port() -> int:
    """A free loopback port outside the kernel's ephemeral range.

    A server the tests stop and start again keeps its port meanwhile only if no outgoing
    connection can be handed that port: a port the kernel chose (bind to 0) is in the
    ephemeral range, where any client socket may take it while the server is down.
    """
    low, high = _ephemeral_range()
    outside = [*range(max(1024, low - 12_000), low), *range(high + 1, 65_536)]
    for _ in range(200):
        port = _PICK.choice(outside)
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port outside the ephemeral range")


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def wait_for_messages(relay: Relay, count: int, timeout_s: float = 30.0) -> list[EmailMessage]:
    """The messages the relay accepted, once there are at least ``count`` (or the timeout)."""
    import time

    deadline = time.monotonic() + timeout_s
    while len(relay.handler.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(relay.handler.messages)
