"""What the demo prints: each message's fate, each dossier's life, and where the files are."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, select

from config.settings import Settings
from workers.core.store import Store
from workers.core.store import tables as t
from workers.demo.feed import Delivery
from workers.demo.folder import LOG_FILE
from workers.demo.story import Account, dossier_lines, other_lines
from workers.seal.keys import load_certificate
from workers.seal.verify import verify_pdf

WIDTH = 56


@dataclass(frozen=True)
class Report:
    """Everything the summary reads besides the store."""

    settings: Settings
    submissions: list[Delivery]
    follow_ups: list[Delivery]
    events: list[bytes]
    documents: list[Path]
    run_dir: Path
    account: Account
    index: Path


def dossier_numbers(store: Store, deliveries: list[Delivery]) -> dict[str, str]:
    """The dossier number of each deposited sample, by the sample's two-digit prefix."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.dossiers.c.submission_id, t.dossiers.c.number)).all()
    by_id = {row.submission_id: row.number for row in rows}
    return {
        d.label[:2]: by_id[d.message_id]
        for d in deliveries
        if d.message_id in by_id and not d.repeat
    }


def submission_labels(deliveries: list[Delivery]) -> dict[str, str]:
    """Each delivered submission's label (its sample's file name), by its message id."""
    return {d.message_id: d.label for d in deliveries if d.message_id and not d.repeat}


def export_documents(store: Store, folder: Path) -> list[Path]:
    """Write every issued document as ``<number>.pdf`` so it can be opened."""
    folder.mkdir(parents=True, exist_ok=True)
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.documents.c.number, t.documents.c.content)).all()
    paths = []
    for row in rows:
        path = folder / f"{row.number}.pdf"
        path.write_bytes(row.content)
        paths.append(path)
    return sorted(paths)


def write(report: Report, store: Store, out: TextIO, elapsed_s: float) -> None:
    """Print each message's fate, each dossier's story, where the files are, and the page."""
    settings = report.settings
    mode = "RabbitMQ" if settings.broker_url else "embedded (in-process broker)"
    refusals = _refusals(report.events)
    print(f"Permis demo — broker: {mode}; database: {settings.database_url}", file=out)
    with store.engine.connect() as conn:
        print("\nSubmissions (portal → ingress → intake → routing → mail)", file=out)
        for item in report.submissions:
            print(_submission_line(conn, item, refusals), file=out)
        print(
            "\nDecisions and follow-ups (platforms and portal → decisions → documents → mail)",
            file=out,
        )
        for item in report.follow_ups:
            print(_follow_up_line(conn, item, refusals), file=out)
    for line in _story_lines(report):
        print(line, file=out)
    print(f"\nEvents on permis.events: {_event_counts(report.events)}", file=out)
    print(f"Emails (.eml): {settings.mail_dir}", file=out)
    print(
        f"Documents (.pdf): {report.run_dir / 'documents'} ({len(report.documents)} files)",
        file=out,
    )
    print(f"Log (JSON lines): {report.run_dir / LOG_FILE}", file=out)
    for line in _seal_lines(report):
        print(line, file=out)
    print(f"Done in {elapsed_s:.1f} s", file=out)
    print(f"Page (open it in a browser): {report.index}", file=out)


def _story_lines(report: Report) -> list[str]:
    """Each dossier with its documents and emails, then the emails of no dossier."""
    lines = ["", "Dossiers"]
    for told in report.account.stories:
        lines += dossier_lines(told)
    others = report.account.others
    if others:
        lines += ["", "Emails of refused submissions"]
        lines += other_lines(others, submission_labels(report.submissions))
    return lines


def _seal_lines(report: Report) -> list[str]:
    """Each authorization verified as a préfecture would, and the command to do it again."""
    cert = report.settings.seal_cert
    if cert is None:
        return []
    certificate = load_certificate(Path(cert))
    lines = []
    for path in report.documents:
        if "-A" in path.stem:
            verdict = verify_pdf(path.read_bytes(), certificate)
            lines.append(
                f"  {path.name}: {verdict.status.value} (permis verify {path} --cert {cert})"
            )
    return lines


def _refusals(events: list[bytes]) -> dict[str, str]:
    """The codes of each refused message, by message id (``malformed`` ones have none)."""
    found = {}
    for body in events:
        event = json.loads(body)
        data = event["data"]
        if event["type"] in ("fr.permis.dossier.rejected", "fr.permis.decision.rejected"):
            key = data.get("submission_id") or data.get("message_id") or ""
            found[key] = ", ".join(_code(e) for e in data["errors"])
    return found


def _code(error: dict[str, Any]) -> str:
    pointer = error.get("pointer")
    return f"schema at {pointer}" if error["code"] == "schema" and pointer else str(error["code"])


def _submission_line(conn: Connection, item: Delivery, refusals: dict[str, str]) -> str:
    label = f"  {item.label:<{WIDTH}}"
    if item.message_id is None:
        return f"{label} rejected: malformed (kept in portal.submissions.rejected)"
    if item.repeat:
        return f"{label} seen before: no new dossier, event or email"
    dossier = conn.execute(
        select(t.dossiers).where(t.dossiers.c.submission_id == item.message_id)
    ).first()
    if dossier is None:
        return f"{label} rejected: {refusals.get(item.message_id, '?')}"
    findings = ", ".join(f["code"] for f in dossier.findings) or "no finding"
    return f"{label} {dossier.number} → {dossier.platform or '?'} ({findings})"


def _follow_up_line(conn: Connection, item: Delivery, refusals: dict[str, str]) -> str:
    label = f"  {item.label:<{WIDTH}}"
    code = refusals.get(item.message_id or "")
    return f"{label} {'refused: ' + code if code else 'applied'}"


def _event_counts(events: list[bytes]) -> str:
    names = Counter(json.loads(body)["type"].removeprefix("fr.permis.") for body in events)
    return ", ".join(f"{name} ×{count}" for name, count in sorted(names.items()))
