"""Pure rules from a French postcode to a département and its territory (data/postcodes.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PostcodeOutcome = Literal["routed", "out_of_scope_territory", "postcode_unknown", "invalid"]

METROPOLITAN_CODES: frozenset[str] = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
)
OVERSEAS_CODES: frozenset[str] = frozenset(str(n) for n in range(971, 977))
OUT_OF_SCOPE_PREFIXES: frozenset[str] = frozenset({"986", "987", "988"})

# La Poste numbers the two former Guadeloupe communes inside 971xx, so they must be
# matched before the DROM rule (postcodes.md rules 2 and 3).
_COLLECTIVITY_POSTCODES = {"97133": "977", "97150": "978"}


@dataclass(frozen=True)
class PostcodeLookup:
    """Where a postcode leads: its département (if any) and the outcome for intake."""

    departement: str | None
    outcome: PostcodeOutcome


def departement_of_postcode(postcode: str) -> PostcodeLookup:
    """Apply postcodes.md's twelve rules, in order, to a French postcode."""
    if not is_postcode(postcode):
        return PostcodeLookup(None, "invalid")
    if postcode in _COLLECTIVITY_POSTCODES:
        return PostcodeLookup(_COLLECTIVITY_POSTCODES[postcode], "out_of_scope_territory")
    if postcode.startswith("20"):
        return _corsica(int(postcode))
    if postcode.startswith("97"):
        return _drom(postcode[:3])
    if postcode.startswith("98"):
        return _pacific(postcode[:3])
    return _mainland(postcode[:2])


def is_postcode(text: str) -> bool:
    """Tell whether ``text`` is exactly five ASCII digits."""
    return len(text) == 5 and text.isascii() and text.isdigit()


def _corsica(number: int) -> PostcodeLookup:
    if number <= 20199:
        return PostcodeLookup("2A", "routed")
    if number <= 20699:
        return PostcodeLookup("2B", "routed")
    return PostcodeLookup(None, "postcode_unknown")


def _drom(prefix: str) -> PostcodeLookup:
    if prefix in OVERSEAS_CODES:
        return PostcodeLookup(prefix, "routed")
    return PostcodeLookup(None, "postcode_unknown")


def _pacific(prefix: str) -> PostcodeLookup:
    if prefix in OUT_OF_SCOPE_PREFIXES:
        return PostcodeLookup(prefix, "out_of_scope_territory")
    return PostcodeLookup(None, "postcode_unknown")


def _mainland(prefix: str) -> PostcodeLookup:
    if prefix in METROPOLITAN_CODES:
        return PostcodeLookup(prefix, "routed")
    return PostcodeLookup(None, "postcode_unknown")


def is_metropolitan(departement_code: str) -> bool:
    """Tell whether a département is in metropolitan France, Corsica included."""
    return departement_code in METROPOLITAN_CODES


def smic_territory(departement_code: str) -> str:
    """Name the smic.csv territory whose minimum wage applies in a département."""
    return "mayotte" if departement_code == "976" else "metropole_drom"
