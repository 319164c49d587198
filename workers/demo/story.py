"""Each dossier's story as the demo tells it: plain records in, plain records and lines out.

Emails are keyed by their reference, which is the dossier number for some kinds and a
document number for others; a dossier's emails are those of either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

DETAIL_KEYS = (
    "platform",
    "to_platform",
    "kind",
    "recipient_role",
    "document_number",
    "authorization_number",
    "deadline",
    "respond_by",
    "reason",
)


@dataclass(frozen=True)
class DossierRow:
    """A dossier as the store holds it, reduced to what the demo shows."""

    number: str
    state: str
    platform: str | None


@dataclass(frozen=True)
class DocumentRow:
    """An issued document: its number, its dossier's and its kind."""

    number: str
    dossier_number: str
    kind: str


@dataclass(frozen=True)
class EmailRow:
    """An email the mail stage recorded, sent or not, under its reference."""

    reference: str
    kind: str
    recipient_role: str
    message_id: str
    status: str


@dataclass(frozen=True)
class MailFile:
    """An ``.eml`` file the transport wrote, as read back."""

    message_id: str
    path: Path
    subject: str
    language: str | None
    attachments: tuple[str, ...]
    html: str | None
    text: str | None = None


@dataclass(frozen=True)
class Event:
    """An event seen on ``permis.events``: when, its type and its data."""

    time: str
    type: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Email:
    """One email a dossier caused, under which reference, and its file when one was written."""

    reference: str
    kind: str
    recipient_role: str
    status: str
    file: MailFile | None

    @property
    def language(self) -> str | None:
        """The language of its HTML part, if its file was read and says."""
        return self.file.language if self.file else None

    @property
    def attachments(self) -> tuple[str, ...]:
        """The file names of what it carries (the issued document, for some kinds)."""
        return self.file.attachments if self.file else ()


@dataclass(frozen=True)
class Step:
    """One event of a dossier's timeline."""

    time: str
    name: str
    detail: str


@dataclass(frozen=True)
class Story:
    """A dossier: where it ended, what happened in order, its documents and emails."""

    number: str
    state: str
    platform: str | None
    timeline: tuple[Step, ...]
    documents: tuple[DocumentRow, ...]
    emails: tuple[Email, ...]


@dataclass(frozen=True)
class Account:
    """A whole run: every dossier's story, and the emails of no dossier (refused submissions)."""

    stories: tuple[Story, ...]
    others: tuple[Email, ...]


def account(
    dossiers: Iterable[DossierRow],
    documents: Iterable[DocumentRow],
    emails: Iterable[EmailRow],
    mails: Mapping[str, MailFile],
    events: Iterable[Event],
) -> Account:
    """Every dossier's story, and the emails that none of them caused."""
    emails = list(emails)
    told = stories(dossiers, documents, emails, mails, events)
    claimed = {caused.reference for s in told for caused in s.emails}
    others = tuple(email(row, mails) for row in emails if row.reference not in claimed)
    return Account(tuple(told), others)


def stories(
    dossiers: Iterable[DossierRow],
    documents: Iterable[DocumentRow],
    emails: Iterable[EmailRow],
    mails: Mapping[str, MailFile],
    events: Iterable[Event],
) -> list[Story]:
    """Every dossier's story, by number."""
    documents, emails, events = list(documents), list(emails), list(events)
    return [
        story(dossier, documents, emails, mails, events)
        for dossier in sorted(dossiers, key=lambda d: d.number)
    ]


def story(
    dossier: DossierRow,
    documents: Iterable[DocumentRow],
    emails: Iterable[EmailRow],
    mails: Mapping[str, MailFile],
    events: Iterable[Event],
) -> Story:
    """One dossier's story: its documents, the emails under its number or theirs, its events."""
    own = tuple(d for d in documents if d.dossier_number == dossier.number)
    references = {dossier.number, *(d.number for d in own)}
    return Story(
        dossier.number,
        dossier.state,
        dossier.platform,
        timeline(dossier.number, events),
        own,
        emails_of(references, emails, mails),
    )


def emails_of(
    references: set[str], emails: Iterable[EmailRow], mails: Mapping[str, MailFile]
) -> tuple[Email, ...]:
    """The emails recorded under any of ``references``, each with its file if written."""
    return tuple(email(row, mails) for row in emails if row.reference in references)


def email(row: EmailRow, mails: Mapping[str, MailFile]) -> Email:
    """A recorded email with its file, if one was written under its Message-ID."""
    return Email(row.reference, row.kind, row.recipient_role, row.status, mails.get(row.message_id))


def timeline(number: str, events: Iterable[Event]) -> tuple[Step, ...]:
    """The events about dossier ``number``, in the order they happened (ties as they came)."""
    own = [e for e in events if e.data.get("dossier_number") == number]
    return tuple(step(e) for e in sorted(own, key=lambda e: moment(e.time)))


def moment(time: str) -> datetime:
    """An event's RFC 3339 time as a datetime, so that offsets and precisions compare."""
    return datetime.fromisoformat(time.replace("Z", "+00:00"))


def step(event: Event) -> Step:
    """An event as a timeline's line: its time, short name and the data that tells it."""
    values = [str(event.data[key]) for key in DETAIL_KEYS if event.data.get(key)]
    values += [str(error["code"]) for error in event.data.get("errors", ())]
    return Step(event.time, event.type.removeprefix("fr.permis."), ", ".join(values))


def dossier_lines(told: Story) -> list[str]:
    """A dossier as the summary prints it: a heading line, then its documents and emails."""
    heading = f"  {told.number}  {told.state:<20} {told.platform or ''}".rstrip()
    documents = [f"      document {d.number}.pdf ({d.kind})" for d in told.documents]
    return [heading, *documents, *(f"      {email_line(e)}" for e in told.emails)]


def email_line(email: Email) -> str:
    """One email in a line: kind, recipient, language, status and what it carried."""
    line = f"email {email.kind} to the {email.recipient_role} ({email.language or '?'}): "
    line += email.status
    if email.attachments:
        line += f", with {', '.join(email.attachments)}"
    return line


def other_lines(others: Iterable[Email], labels: Mapping[str, str]) -> list[str]:
    """The emails of no dossier, each after the label of what it answered, if known."""
    return [f"  {labels.get(e.reference, e.reference)}: {email_line(e)}" for e in others]
