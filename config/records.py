"""The reference data's vocabulary: its row types, the values they may hold, its error.

``reference`` (the tables and their lookups) and ``loading`` (reading and checking the
CSV files) both build on these; ``reference`` re-exports every name here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import get_args

from config.territory import METROPOLITAN_CODES, OUT_OF_SCOPE_PREFIXES, OVERSEAS_CODES
from messages.common import DocumentKind, PlatformId

OUT_OF_SCOPE = "out_of_scope"
CONFIDENCES = frozenset({"A", "B", "C", "assumed"})
SMIC_TERRITORIES = ("metropole_drom", "mayotte")
# The contract's platform ids and document kinds (CONTRACTS.md §6, in its order).
CONTRACT_PLATFORMS: frozenset[str] = frozenset(get_args(PlatformId))
DOCUMENT_KINDS: tuple[str, ...] = get_args(DocumentKind)
# The collectivities issue their own permits; postcodes.md sends them to intake's
# out_of_scope_territory, so the table must agree.
COLLECTIVITY_CODES = frozenset({"977", "978"}) | OUT_OF_SCOPE_PREFIXES
DEPARTEMENT_CODES = METROPOLITAN_CODES | OVERSEAS_CODES | COLLECTIVITY_CODES
REQUIRED_DEPARTEMENTS = METROPOLITAN_CODES | OVERSEAS_CODES
CONDITION_VALUES: Mapping[str, frozenset[str]] = {
    "category": frozenset(
        {"employee", "temporary_worker", "seasonal_worker", "student", "asylum_seeker"}
    ),
    "employer_kind": frozenset({"company", "private_individual"}),
    "procedure": frozenset(
        {"introduction", "change_of_status", "renewal", "provisional_authorization"}
    ),
}

_CLAUSE = re.compile(r"([a-z_]+)(!=|=)([a-z_]+)")


class ReferenceDataError(Exception):
    """A reference data file is missing or breaks its rules, or a lookup has no answer."""


@dataclass(frozen=True)
class Departement:
    """A row of departements.csv: a département and the platform that handles it."""

    code: str
    name: str
    region: str
    platform: str
    confidence: str
    source: str


@dataclass(frozen=True)
class Platform:
    """A row of platforms.csv: a regional or national work-authorization platform."""

    id: str
    name: str
    host_prefecture: str
    host_departement: str
    scope: str
    source: str


@dataclass(frozen=True)
class SmicRate:
    """A row of smic.csv: the gross minimum wage of a territory from a date on."""

    territory: str
    effective_from: date
    hourly_gross_eur: Decimal
    monthly_gross_35h_eur: Decimal
    source: str


@dataclass(frozen=True)
class ExemptNationality:
    """A row of exempt-nationalities.csv: a nationality that needs no authorization."""

    code: str
    name: str
    reason: str


@dataclass(frozen=True)
class RequiredDocument:
    """A row of required-documents.csv: a document kind and when it is required."""

    kind: str
    applies_when: str
    source: str


@dataclass(frozen=True)
class Clause:
    """One ``fact=value`` or ``fact!=value`` test of an ``applies_when`` condition."""

    fact: str
    negated: bool
    value: str

    def holds(self, facts: Mapping[str, str]) -> bool:
        """Tell whether the submission's ``facts`` pass this test."""
        return (facts[self.fact] == self.value) != self.negated


def parse_condition(text: str) -> tuple[Clause, ...]:
    """Parse an ``applies_when`` condition (grammar in data/README.md); raise ValueError."""
    if text == "always":
        return ()
    return tuple(_parse_clause(part) for part in text.split(" & "))


def _parse_clause(text: str) -> Clause:
    match = _CLAUSE.fullmatch(text)
    if match is None:
        raise ValueError(f"unparsable condition {text!r}")
    fact, operator, value = match.groups()
    if fact not in CONDITION_VALUES:
        raise ValueError(f"unknown fact {fact!r} in condition {text!r}")
    if value not in CONDITION_VALUES[fact]:
        raise ValueError(f"unknown {fact} {value!r} in condition {text!r}")
    return Clause(fact, operator == "!=", value)
