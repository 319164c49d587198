"""Permis's own Prometheus metrics: bounded labels (codes, kinds, stages), never personal data."""

from __future__ import annotations

from prometheus_client import Counter

MESSAGES_REFUSED = Counter(
    "permis_messages_refused_total",
    "External messages refused, by channel (portal, agents) and the refusal's first code.",
    ["channel", "code"],
)
DECISIONS_REFUSED = Counter(
    "permis_decisions_refused_total",
    "Agents' messages answered with decision.rejected, by code.",
    ["code"],
)
DEADLINE_ACTIONS = Counter(
    "permis_deadline_actions_total",
    "What the deadline sweep did: warn, response_overdue, implicit_decision.",
    ["action"],
)
EMAILS = Counter(
    "permis_emails_total",
    "Emails by kind and final status (sent, failed).",
    ["kind", "status"],
)
DOCUMENTS_ISSUED = Counter(
    "permis_documents_issued_total",
    "Documents issued (sealed and stored), by kind.",
    ["kind"],
)
STAGE_FAILURES = Counter(
    "permis_stage_failures_total",
    "Stage messages that raised, by queue and error (TransientError is retried).",
    ["queue", "error"],
)
