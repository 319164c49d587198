"""Where built messages go: an SMTP relay, or a folder of ``.eml`` files.

aiosmtplib's exceptions are mapped to Permis errors here and nowhere else::

    SMTPException / OSError / TimeoutError
     ├── reply code 5xx (refused recipient or sender, refused data,
     │   HELO or AUTH refused) ............................ PermanentError
     ├── SMTPNotSupported (e.g. STARTTLS missing) ......... PermanentError
     ├── reply code 4xx, or any other reply code ........... TransientError
     └── connection refused or lost, timeout, TLS failure .. TransientError

Error messages carry the reply code, never the server's text: it often quotes the address.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Literal, Protocol, get_args

import aiosmtplib

from workers.core.errors import PermanentError, PermisError, TransientError
from workers.mail.compose import Mail

TlsMode = Literal["none", "starttls", "tls"]

_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._@-]")
_NETWORK_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)
# A refusal leaves the connection usable: aiosmtplib has already sent RSET.
_REFUSALS = (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused)


Outgoing = Mail | EmailMessage
"""What a transport sends: a written Mail, or an EmailMessage it serialises first."""


class MailTransport(Protocol):
    """Delivers one built message; raises TransientError or PermanentError on failure."""

    async def send(self, message: Outgoing) -> None: ...

    async def probe(self) -> str: ...

    async def close(self) -> None: ...


class SmtpTransport:
    """Sends through one SMTP connection, kept open, reused and reopened when it dropped.

    ``tls`` is ``starttls`` (port 587) or ``tls`` (implicit, port 465), certificates always
    verified, against ``ca_file`` when given; ``username`` and ``password`` log in.
    """

    def __init__(
        self,
        host: str,
        port: int,
        tls: TlsMode,
        username: str | None,
        password: str | None,
        timeout_s: float,
        ca_file: str | None = None,
    ) -> None:
        if tls not in get_args(TlsMode):
            raise ValueError(f"tls must be one of {get_args(TlsMode)}")
        self._host = host
        self._port = port
        self._tls = tls
        self._username = username
        self._password = password
        self._timeout_s = timeout_s
        self._ca_file = ca_file
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, message: Outgoing) -> None:
        """Deliver the message to the relay, connecting first if needed."""
        async with self._lock:
            try:
                client = await self._connection()
                refused, _ = await _transmit(client, message)
            except _NETWORK_ERRORS as exc:
                if not isinstance(exc, _REFUSALS):
                    self._drop()
                raise _mapped(exc) from exc
            except asyncio.CancelledError:
                # Cancelled mid-dialogue (a time limit): the session state is unknown.
                self._drop()
                raise
            if refused:
                raise _for_code(min(r.code for r in refused.values()), "recipient refused")

    async def probe(self) -> str:
        """Reach the relay as sending would (TLS, login) and ask NOOP; what answered."""
        async with self._lock:
            try:
                await self._connection()
            except _NETWORK_ERRORS as exc:
                self._drop()
                raise _mapped(exc) from exc
        return f"relay {self._host}:{self._port} answers"

    async def close(self) -> None:
        """Say QUIT to the relay if connected, then forget the connection."""
        async with self._lock:
            client, self._client = self._client, None
            if client is None or not client.is_connected:
                return
            try:
                await client.quit()
            except _NETWORK_ERRORS:
                client.close()

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._client is not None and await _alive(self._client):
            return self._client
        self._drop()
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            use_tls=self._tls == "tls",
            start_tls=self._tls == "starttls",
            username=self._username,
            password=self._password,
            timeout=self._timeout_s,
            cert_bundle=self._ca_file,
        )
        await client.connect()
        self._client = client
        return client

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class EmlDirectoryTransport:
    """Writes each message as ``<message-id>.eml`` in a folder, for demos and local runs."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, message: Outgoing) -> None:
        """Write the message atomically; the same Message-ID overwrites its own file."""
        target = self._directory / eml_filename(message)
        data = message.data if isinstance(message, Mail) else message.as_bytes(policy=SMTP)
        try:
            await asyncio.to_thread(_write_atomically, target, data)
        except OSError as exc:
            raise TransientError(f"cannot write .eml file ({exc.errno})") from exc

    async def probe(self) -> str:
        """Check the folder can be written."""
        try:
            await asyncio.to_thread(_write_atomically, self._directory / ".permis-probe", b"")
            (self._directory / ".permis-probe").unlink()
        except OSError as exc:
            raise TransientError(f"cannot write .eml files ({exc.errno})") from exc
        return f"writing .eml files to {self._directory}"

    async def close(self) -> None:
        """Nothing to release."""


def eml_filename(message: Outgoing) -> str:
    """Return the file name for a message: its Message-ID with unsafe characters replaced."""
    raw = message.message_id if isinstance(message, Mail) else message.get("Message-ID", "")
    message_id = str(raw).strip().strip("<>")
    name = _UNSAFE_FILENAME_CHARS.sub("_", message_id).lstrip(".")
    if not name:
        raise PermanentError("message has no usable Message-ID")
    return f"{name[:200]}.eml"


async def _transmit(
    client: aiosmtplib.SMTP, message: Outgoing
) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
    if not isinstance(message, Mail):
        return await client.send_message(message)
    # The MAIL options send_message would give: the data is 7-bit, but the dialogue
    # stays what it was.
    options = ["BODY=8BITMIME"] if client.supports_extension("8BITMIME") else []
    return await client.sendmail(
        message.sender, list(message.recipients), message.data, mail_options=options
    )


async def _alive(client: aiosmtplib.SMTP) -> bool:
    # aiosmtplib notices a closed socket, but not a half-open one: NOOP checks both.
    if not client.is_connected:
        return False
    try:
        await client.noop()
    except _NETWORK_ERRORS:
        return False
    return True


def _mapped(exc: BaseException) -> PermisError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return _for_code(min(r.code for r in exc.recipients), "recipient refused")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _for_code(exc.code, f"SMTP {type(exc).__name__}")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return PermanentError("SMTP relay lacks a required extension")
    return TransientError(f"SMTP relay unreachable ({type(exc).__name__})")


def _for_code(code: int, what: str) -> PermisError:
    if 500 <= code <= 599:
        return PermanentError(f"{what}: reply {code}")
    return TransientError(f"{what}: reply {code}")


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Readers never see a half-written file: they see the old one or the new one.
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".eml.part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
