"""What the demo prints: what happened to each message, from the store and the events."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from workers.core.store import Store
from workers.core.store import tables as t


@dataclass(frozen=True)
class Fed:
    """A message the demo published: its label and its (source, id) when it has one."""

    label: str
    source: str | None
    message_id: str | None
    repeat: bool = False


def outcome_lines(store: Store, fed: list[Fed], mail_dir: Path | None) -> list[str]:
    lines = []
    with store.engine.connect() as conn:
        for item in fed:
            lines.append(_line(conn, item, mail_dir))
    return lines


def _line(conn: Connection, item: Fed, mail_dir: Path | None) -> str:
    if item.message_id is None:
        return f"  {item.label:<58} rejected   malformed (kept in portal.submissions.rejected)"
    if item.repeat:
        return f"  {item.label:<58} seen before: no new dossier, event or email"
    seen = conn.execute(
        select(t.processed_messages).where(
            t.processed_messages.c.source == item.source,
            t.processed_messages.c.message_id == item.message_id,
        )
    ).first()
    if seen is None:
        return f"  {item.label:<58} (not processed yet)"
    if seen.outcome == "rejected":
        row = conn.execute(
            select(t.rejected_messages.c.errors).where(
                t.rejected_messages.c.message_id == item.message_id
            )
        ).first()
        codes = ", ".join(_code(e) for e in row.errors) if row else "?"
        return f"  {item.label:<58} rejected   {codes}{_emails(conn, item.message_id, mail_dir)}"
    dossier = conn.execute(
        select(t.dossiers).where(t.dossiers.c.number == seen.dossier_number)
    ).first()
    if dossier is None:
        return f"  {item.label:<58} applied, dossier {seen.dossier_number} not found"
    findings = ", ".join(f["code"] for f in dossier.findings) or "no finding"
    return (
        f"  {item.label:<58} {dossier.state:<10} {dossier.number} → {dossier.platform or '?'}"
        f" ({findings}){_emails(conn, dossier.number, mail_dir)}"
    )


def _code(error: dict[str, str]) -> str:
    pointer = error.get("pointer")
    return (
        f"{error['code']} at {pointer}" if error["code"] == "schema" and pointer else error["code"]
    )


def _emails(conn: Connection, reference: str, mail_dir: Path | None) -> str:
    rows = conn.execute(select(t.emails).where(t.emails.c.reference == reference)).all()
    parts = []
    for row in rows:
        where = _eml(row.message_id, mail_dir)
        parts.append(f"{row.kind} to {row.recipient_role}: {row.status}{where}")
    return "\n" + " " * 62 + "; ".join(parts) if parts else ""


def _eml(message_id: str, mail_dir: Path | None) -> str:
    if mail_dir is None:
        return ""
    name = message_id.strip("<>").replace("/", "_")
    matches = sorted(mail_dir.glob(f"{name[:40]}*.eml"))
    return f" → {matches[0].name[:24]}….eml" if matches else ""


def event_counts(routing_keys: list[str]) -> str:
    names = Counter(key.rsplit(".", 1)[0] for key in routing_keys)
    return ", ".join(f"{name} ×{count}" for name, count in sorted(names.items()))
