"""What may happen to a dossier in which state: CONTRACTS.md §3.4's table, as data.

Each cell is either ``ALLOWED`` or the refusal code the table gives. The rules read
the table; they never restate it in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, get_args

State = Literal[
    "deposited",
    "routed",
    "awaiting_documents",
    "granted",
    "refused",
    "closed",
    "withdrawn",
    "implicitly_refused",
    "implicitly_granted",
]
Kind = Literal["decided", "transferred", "documents_supplied", "withdrawn"]
Outcome = Literal["granted", "refused", "documents_requested", "closed"]

STATES: Final[tuple[State, ...]] = get_args(State)
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
FINAL_STATES: Final = frozenset[State](
    {"granted", "refused", "closed", "withdrawn", "implicitly_refused", "implicitly_granted"}
)
ALLOWED: Final = "allowed"

_OPEN_ROWS: Mapping[State, Mapping[Kind, str]] = {
    "deposited": {
        "decided": "platform_mismatch",
        "transferred": "platform_mismatch",
        "documents_supplied": "transition_not_allowed",
        "withdrawn": ALLOWED,
    },
    "routed": {
        "decided": ALLOWED,
        "transferred": ALLOWED,
        "documents_supplied": "transition_not_allowed",
        "withdrawn": ALLOWED,
    },
    "awaiting_documents": {
        "decided": ALLOWED,  # a new documents_requested replaces the request
        "transferred": ALLOWED,
        "documents_supplied": ALLOWED,
        "withdrawn": ALLOWED,
    },
}

TABLE: Final[Mapping[tuple[State, Kind], str]] = {
    (state, kind): ("dossier_final" if state in FINAL_STATES else _OPEN_ROWS[state][kind])
    for state in STATES
    for kind in KINDS
}
"""Every (state, kind) cell of §3.4: ``ALLOWED`` or the refusal code."""

OUTCOME_STATES: Final[Mapping[Outcome, State]] = {
    "granted": "granted",
    "refused": "refused",
    "closed": "closed",
    "documents_requested": "awaiting_documents",
}
"""The state a ``decided`` message leads to, by outcome."""

SUPPLIED_STATE: Final[State] = "routed"
WITHDRAWN_STATE: Final[State] = "withdrawn"


def check_transition(state: str, kind: str) -> str | None:
    """None when ``kind`` may happen in ``state``, else §3.4's refusal code."""
    try:
        cell = TABLE[(state, kind)]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown state or message kind: {state!r}, {kind!r}") from None
    return None if cell == ALLOWED else cell


def is_final(state: str) -> bool:
    """Tell whether ``state`` is final (it accepts nothing more)."""
    return state in FINAL_STATES
