"""The names of CONTRACTS.md §1: the exchanges parties publish to and the queues behind them."""

SUBMISSIONS_EXCHANGE = "permis.submissions"
DECISIONS_EXCHANGE = "permis.decisions"
EVENTS_EXCHANGE = "permis.events"
CASES_EXCHANGE = "permis.cases"

SUBMISSIONS_QUEUE = "portal.submissions"
DECISIONS_QUEUE = "agents.decisions"
SUBMISSIONS_REJECTED_QUEUE = "portal.submissions.rejected"
DECISIONS_REJECTED_QUEUE = "agents.decisions.rejected"

REASON_HEADER = "permis-reason"
"""The header a refused message carries in its ``.rejected`` queue: why (its first code)."""

REASONS_HEADER = "permis-reasons"
"""Beside it, every code that refused the message, comma-separated."""
