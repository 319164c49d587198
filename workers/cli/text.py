"""How ``permis`` prints its answers: as JSON, or as short human-readable text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def print_answer(
    answer: dict[str, Any], as_json: bool, text: Callable[[dict[str, Any]], str]
) -> None:
    """Print ``answer`` as indented JSON, or as ``text`` makes it read."""
    if as_json:
        print(json.dumps(answer, ensure_ascii=False, indent=2, default=str))
    else:
        print(text(answer))


def number_text(answer: dict[str, Any]) -> str:
    verdict = "valid" if answer["valid"] else "NOT valid (format or check digit)"
    return f"{answer['dossier_number']}: {verdict}"


def check_text(answer: dict[str, Any]) -> str:
    if answer["outcome"] == "rejected":
        lines = ["rejected:"]
        for error in answer["errors"]:
            where = f" at {error['pointer']}" if error.get("pointer") else ""
            lines.append(f"  {error['code']}{where}: {error['message_en']}")
        return "\n".join(lines)
    lines = [
        f"deposited: routed to {answer['platform']} ({answer['rule']['name']}),"
        f" silence deadline {answer['deadline']}"
    ]
    lines += [f"  finding {f['code']}: {f['message_en']}" for f in answer["findings"]]
    return "\n".join(lines)


def route_text(answer: dict[str, Any]) -> str:
    if not answer["platform"]:
        return f"no platform: {answer['error']}"
    row, rule = answer["departement"], answer["rule"]
    return (
        f"{answer['platform']} (rule {rule['name']}, table {rule['table_version']})\n"
        f"  département {row['code']} {row['name']}: {row['platform']},"
        f" confidence {row['confidence']}, source {row['source']}"
    )


def routes_text(table: dict[str, Any]) -> str:
    lines = [
        f"table {table['table_version']}; seasonal work in metropolitan France:"
        f" {table['seasonal_metropole']}"
    ]
    for row in table["departements"]:
        lines.append(
            f"{row['code']:<4} {row['name']:<28} {row['platform']:<20} {row['confidence']:<8}"
            f" {row['source']}"
        )
    return "\n".join(lines)


def dossier_text(answer: dict[str, Any]) -> str:
    lines = [
        f"{answer['dossier_number']}: {answer['state']} on {answer['platform'] or '—'},"
        f" silence deadline {answer['deadline'] or 'suspended or passed'}",
        "history:",
    ]
    for row in answer["history"]:
        lines.append(
            f"  {row['seq']:>3} {row['at']} {row['actor']:<24} {row['from_state'] or '—'} →"
            f" {row['to_state']} ({row['reason']})"
        )
    chain = answer["chain"]
    lines.append(
        "history chain: intact" if not chain else "history chain BROKEN: " + "; ".join(chain)
    )
    lines += [
        f"document {d['number']} {d['kind']} sha256 {d['sha256']}" for d in answer["documents"]
    ]
    lines += [
        f"email {e['kind']} to the {e['recipient_role']}: {e['status']}" for e in answer["emails"]
    ]
    return "\n".join(lines)


VERDICT_FIELDS = (
    ("doc", "document"),
    ("dossier", "dossier"),
    ("issued", "issued on"),
    ("platform", "platform"),
    ("valid_from", "valid from"),
    ("valid_until", "valid until"),
    ("last_name", "surname"),
    ("first_names", "given names"),
    ("birth_date", "born on"),
    ("nationality", "nationality"),
    ("passport", "passport"),
    ("foreign_number", "foreign national no."),
    ("employer_name", "employer"),
    ("siret", "SIRET"),
    ("contract", "contract"),
    ("start_date", "start date"),
)


def verdict_text(answer: dict[str, Any]) -> str:
    if answer["status"] == "not_genuine":
        return f"NOT GENUINE ({answer['reason']}): {answer['explanation']}"
    head = "GENUINE"
    if answer["status"] == "superseded":
        head = f"SUPERSEDED by {answer['superseded_by']}: genuine, but no longer in force"
    document = answer["document"]
    width = max(len(label) for _, label in VERDICT_FIELDS)
    lines = [head]
    lines += [f"  {label:<{width}}  {document[key] or '—'}" for key, label in VERDICT_FIELDS]
    return "\n".join(lines)


def dlq_counts_text(counts: dict[str, int]) -> str:
    width = max(len(name) for name in counts)
    lines = [f"{name:<{width}}  {count}" for name, count in counts.items()]
    total = sum(counts.values())
    return "\n".join([*lines, f"{'total':<{width}}  {total}"])


def dead_letter(letter: Any) -> dict[str, Any]:
    """A kept message as ``dlq show`` prints it: never its body, which holds personal data."""
    return {
        "message_id": letter.message_id,
        "reason": letter.reason,
        "actor": letter.actor,
        "retries": letter.retries,
        "since": letter.since.isoformat() if letter.since else None,
        "detail": letter.detail,
        "size": len(letter.body),
    }


def dlq_text(answer: dict[str, Any]) -> str:
    messages = answer["messages"]
    lines = [f"{answer['queue']}: {len(messages)} message(s) shown"]
    for m in messages:
        where = f" in {m['actor']}" if m["actor"] else ""
        retried = f", {m['retries']} retries" if m["retries"] is not None else ""
        lines.append(f"  {m['message_id'] or '(no id)'}{where}{retried}, since {m['since'] or '?'}")
        lines.append(f"    {m['reason']}")
    return "\n".join(lines)


def health_text(answer: dict[str, Any]) -> str:
    lines = [
        f"{'ok  ' if c['ok'] else 'FAIL'} {c['name']:<9} {c['detail']}" for c in answer["checks"]
    ]
    return "\n".join([*lines, "healthy" if answer["healthy"] else "UNHEALTHY"])
