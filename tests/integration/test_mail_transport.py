"""SmtpTransport against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from tests.support.smtp import HOST, Relay
from tests.support.tls import ServerCertificate, make_server_certificate
from workers.core.errors import PermanentError, TransientError
from workers.mail.compose import MailKind, message_id_for, render, write_message
from workers.mail.transport import MailTransport, SmtpTransport

pytestmark = pytest.mark.timeout(30)

TIMEOUT_S = 10.0  # generous: the relay runs in this process, on a busy machine
DOSSIER = "AT26-0000042-2"
CONTEXT: dict[str, Any] = {
    "dossier_number": DOSSIER,
    "submission_id": "8b0f6a4e-2f6c-4a7e-9d39-0c1f3f0a5b11",
    "employer_name": "Boulangerie Martin SARL",
    "employee_name": "Anjali Rao",
    "job_title": "Boulanger",
    "filed_on": datetime(2026, 11, 20, tzinfo=UTC).date(),
    "deadline": datetime(2027, 1, 20, tzinfo=UTC).date(),
}


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay()
    server.start()
    yield server
    server.stop()


def message(role: str = "employer") -> EmailMessage:
    kind = MailKind.DEPOSIT_CONFIRMATION
    return write_message(
        render(kind, "fr", CONTEXT),
        kind=kind,
        reference=DOSSIER,
        sender="ne-pas-repondre@permis.example",
        recipient="rh@boulangerie-martin.example",
        reply_to="contact@permis.example",
        message_id=message_id_for(DOSSIER, kind, role, "permis.example"),  # type: ignore[arg-type]
        date=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    ).parsed()


def run(relay: Relay, scenario: Callable[[SmtpTransport], Awaitable[None]]) -> None:
    async def main() -> None:
        transport = SmtpTransport(HOST, relay.port, "none", None, None, TIMEOUT_S)
        try:
            await asyncio.wait_for(scenario(transport), timeout=20)
        finally:
            await transport.close()

    asyncio.run(main())


def test_smtp_transport_implements_the_protocol() -> None:
    transport: MailTransport = SmtpTransport(HOST, 25, "none", None, None, TIMEOUT_S)
    assert transport is not None


def test_unknown_tls_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        SmtpTransport(HOST, 25, "ssl", None, None, TIMEOUT_S)  # type: ignore[arg-type]


def test_delivered_message_has_both_parts_and_the_headers(relay: Relay) -> None:
    sent = message()

    async def scenario(transport: SmtpTransport) -> None:
        await transport.send(sent)

    run(relay, scenario)
    (received,) = relay.handler.messages
    for header in (
        "From",
        "To",
        "Reply-To",
        "Subject",
        "Message-ID",
        "X-Permis-Kind",
        "X-Permis-Dossier",
        "Date",
    ):
        assert received[header] == sent[header], header
    text, html = received.get_body(("plain",)), received.get_body(("html",))
    assert text is not None and html is not None
    assert "0806 001 620" in text.get_content() and "0806 001 620" in html.get_content()
    assert "20 novembre 2026" in text.get_content()


def test_two_sends_reuse_one_connection(relay: Relay) -> None:
    async def scenario(transport: SmtpTransport) -> None:
        await transport.send(message("employer"))
        await transport.send(message("beneficiary"))

    run(relay, scenario)
    assert len(relay.handler.messages) == 2
    assert relay.handler.greetings == 1


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_5xx_reply_is_permanent(relay: Relay, stage: str) -> None:
    relay.handler.refuse = (stage, "550 5.1.1 <rh@boulangerie-martin.example> unknown")

    async def scenario(transport: SmtpTransport) -> None:
        with pytest.raises(PermanentError, match="550") as caught:
            await transport.send(message())
        assert "@" not in str(caught.value)
        assert caught.value.__cause__ is not None

    run(relay, scenario)
    assert relay.handler.messages == []


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_4xx_reply_is_transient(relay: Relay, stage: str) -> None:
    relay.handler.refuse = (stage, "451 4.3.0 try again later")

    async def scenario(transport: SmtpTransport) -> None:
        with pytest.raises(TransientError, match="451"):
            await transport.send(message())

    run(relay, scenario)


def test_the_connection_survives_a_refusal(relay: Relay) -> None:
    async def scenario(transport: SmtpTransport) -> None:
        relay.handler.refuse = ("rcpt", "550 5.1.1 unknown")
        with pytest.raises(PermanentError):
            await transport.send(message())
        relay.handler.refuse = None
        await transport.send(message())

    run(relay, scenario)
    assert len(relay.handler.messages) == 1
    assert relay.handler.greetings == 1


def test_a_stopped_server_is_transient(relay: Relay) -> None:
    async def scenario(transport: SmtpTransport) -> None:
        await transport.send(message())
        await asyncio.to_thread(relay.stop)
        with pytest.raises(TransientError):
            await transport.send(message())

    run(relay, scenario)


def test_an_unreachable_server_is_transient(relay: Relay) -> None:
    async def scenario(transport: SmtpTransport) -> None:
        await asyncio.to_thread(relay.stop)
        with pytest.raises(TransientError, match="unreachable"):
            await transport.send(message())

    run(relay, scenario)


def test_a_silent_server_times_out_as_transient() -> None:
    with socket.socket() as silent:
        # Listening without ever answering: the kernel completes the handshake, no banner comes.
        silent.bind((HOST, 0))
        silent.listen()
        port = int(silent.getsockname()[1])

        async def main() -> None:
            transport = SmtpTransport(HOST, port, "none", None, None, 0.5)
            with pytest.raises(TransientError):
                await asyncio.wait_for(transport.send(message()), timeout=10)
            await transport.close()

        asyncio.run(main())


def test_the_next_send_reconnects_after_a_restart(relay: Relay) -> None:
    async def scenario(transport: SmtpTransport) -> None:
        await transport.send(message("employer"))
        await asyncio.to_thread(relay.stop)
        with pytest.raises(TransientError):
            await transport.send(message("beneficiary"))
        await asyncio.to_thread(relay.start)
        await transport.send(message("beneficiary"))

    run(relay, scenario)
    assert [m["Message-ID"] for m in relay.handler.messages] == [
        message("employer")["Message-ID"],
        message("beneficiary")["Message-ID"],
    ]
    assert relay.handler.greetings == 2


def test_close_is_idempotent_and_a_later_send_reconnects(relay: Relay) -> None:
    async def scenario(transport: SmtpTransport) -> None:
        await transport.send(message())
        await transport.close()
        await transport.close()
        await transport.send(message())

    run(relay, scenario)
    assert relay.handler.greetings == 2


# --- TLS and login, as a real relay asks ---------------------------------------------------

CREDENTIALS = ("permis", "s3cret-relay-password")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> ServerCertificate:
    return make_server_certificate(tmp_path_factory.mktemp("tls"))


def secured(relay: Relay, transport: SmtpTransport) -> None:
    async def main() -> None:
        try:
            await asyncio.wait_for(transport.send(message()), timeout=20)
        finally:
            await transport.close()

    relay.start()
    try:
        asyncio.run(main())
    finally:
        relay.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # implicit TLS
@pytest.mark.parametrize("tls", ["starttls", "tls"])
def test_a_relay_over_tls_with_a_login_gets_the_message(
    tls: str, certificate: ServerCertificate
) -> None:
    relay = Relay(tls, certificate, CREDENTIALS)
    transport = SmtpTransport(
        HOST,
        relay.port,
        tls,
        *CREDENTIALS,
        TIMEOUT_S,
        ca_file=str(certificate.ca_file),  # type: ignore[arg-type]
    )
    secured(relay, transport)
    assert relay.handler.sessions == [(True, True)]
    assert len(relay.handler.messages) == 1


def test_a_wrong_password_is_permanent(certificate: ServerCertificate) -> None:
    relay = Relay("starttls", certificate, CREDENTIALS)
    transport = SmtpTransport(
        HOST, relay.port, "starttls", "permis", "wrong", TIMEOUT_S, ca_file=str(certificate.ca_file)
    )
    with pytest.raises(PermanentError, match="535"):
        secured(relay, transport)
    assert relay.handler.attempts == 0


def test_a_relay_certificate_from_an_unknown_authority_is_refused(
    certificate: ServerCertificate,
) -> None:
    relay = Relay("starttls", certificate, CREDENTIALS)
    transport = SmtpTransport(HOST, relay.port, "starttls", *CREDENTIALS, TIMEOUT_S)
    with pytest.raises(TransientError, match="unreachable"):
        secured(relay, transport)
    assert relay.handler.attempts == 0


def test_a_relay_that_requires_tls_refuses_plain_text_for_good(
    certificate: ServerCertificate,
) -> None:
    relay = Relay("starttls", certificate, None)
    transport = SmtpTransport(HOST, relay.port, "none", None, None, TIMEOUT_S)
    with pytest.raises(PermanentError, match="530"):
        secured(relay, transport)
    assert relay.handler.messages == []
