"""Which letter carries each issued document, and who receives it (CONTRACTS.md §8)."""

from __future__ import annotations

LETTER_FOR_DOCUMENT = {
    "authorization": "authorization_granted",
    "refusal": "authorization_refused",
    "documents_request": "documents_requested",
    "implicit_refusal": "implicit_refusal",
}
"""The letter that carries each kind of issued document (CONTRACTS.md §8)."""

TO_BOTH_PARTIES = frozenset({"authorization_granted", "authorization_refused", "implicit_refusal"})
"""Letters the employer and the beneficiary each receive, separately."""


def recipients(kind: str, *, beneficiary_reachable: bool) -> tuple[str, ...]:
    """Who receives a letter: the employer always; the beneficiary when §8 says so and we can."""
    if kind in TO_BOTH_PARTIES and beneficiary_reachable:
        return ("employer", "beneficiary")
    return ("employer",)
