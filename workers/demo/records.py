"""What the demo reads back: the store's dossiers, documents and emails, the ``.eml`` files
and the events, as the plain records of ``workers.demo.story``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, select

from workers.core.store import Store
from workers.core.store import tables as t
from workers.demo import story
from workers.demo.story import DocumentRow, DossierRow, EmailRow, Event, MailFile

HTML_LANGUAGE = re.compile(r"<html\b[^>]*\blang=\"([^\"]+)\"", re.IGNORECASE)


def account(store: Store, mail_dir: Path | None, bodies: Iterable[bytes]) -> story.Account:
    """The run's account, from the store, the ``.eml`` files of ``mail_dir`` and the events."""
    with store.engine.connect() as conn:
        dossiers, documents, emails = dossier_rows(conn), document_rows(conn), email_rows(conn)
    return story.account(dossiers, documents, emails, mail_files(mail_dir), events(bodies))


def dossier_rows(conn: Connection) -> list[DossierRow]:
    """Every dossier's number, state and platform."""
    d = t.dossiers.c
    return [DossierRow(*row) for row in conn.execute(select(d.number, d.state, d.platform))]


def document_rows(conn: Connection) -> list[DocumentRow]:
    """Every issued document, in the order of their numbers."""
    d = t.documents.c
    query = select(d.number, d.dossier_number, d.kind).order_by(d.number)
    return [DocumentRow(*row) for row in conn.execute(query)]


def email_rows(conn: Connection) -> list[EmailRow]:
    """Every email the mail stage recorded, in the order it last touched them."""
    e = t.emails.c
    query = select(e.reference, e.kind, e.recipient_role, e.message_id, e.status).order_by(
        e.updated_at, e.kind, e.recipient_role
    )
    return [EmailRow(*row) for row in conn.execute(query)]


def mail_files(folder: Path | None) -> dict[str, MailFile]:
    """The ``.eml`` files of ``folder``, by Message-ID."""
    if folder is None or not folder.is_dir():
        return {}
    files = (mail_file(path, path.read_bytes()) for path in sorted(folder.glob("*.eml")))
    return {file.message_id: file for file in files}


def mail_file(path: Path, raw: bytes) -> MailFile:
    """One written email: its Message-ID, subject, language, attachments and HTML part."""
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    html = _part(message, "html")
    found = HTML_LANGUAGE.search(html or "")
    return MailFile(
        message_id=str(message["Message-ID"]),
        path=path,
        subject=str(message["Subject"]),
        language=found.group(1) if found else None,
        attachments=tuple(str(p.get_filename()) for p in message.iter_attachments()),
        html=html,
        text=_part(message, "plain"),
    )


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    return str(body.get_content()) if body is not None else None


def events(bodies: Iterable[bytes]) -> list[Event]:
    """The CloudEvents seen on ``permis.events``, as they came."""
    parsed = (json.loads(body) for body in bodies)
    return [Event(str(e["time"]), str(e["type"]), e.get("data") or {}) for e in parsed]
