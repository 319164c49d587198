"""Which platform handles a dossier, and why (CONTRACTS.md §5, config/data/README.md).

Pure functions: the employer's postcode gives the département (postcodes.md), the
département gives its platform (departements.csv), except seasonal work in
metropolitan France, Corsica included, which the national platform of Avignon takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from config.reference import OUT_OF_SCOPE, Departement, ReferenceData
from config.territory import departement_of_postcode, is_metropolitan

RuleName = Literal["departement", "seasonal_metropole", "transfer"]
UnroutableCode = Literal["postcode_unknown", "out_of_scope_territory"]

SEASONAL_CATEGORY = "seasonal_worker"
SEASONAL_PLATFORM = "pf-avignon"


class Unroutable(Exception):
    """The employer's postcode leads to no platform: unknown, or a territory out of scope."""

    def __init__(self, code: UnroutableCode) -> None:
        super().__init__(code)
        self.code: UnroutableCode = code


@dataclass(frozen=True)
class Route:
    """A platform for a dossier and the rule that chose it (``rule`` of dossier.routed)."""

    platform: str
    rule: RuleName
    departement: str
    table_version: str

    def rule_dict(self) -> dict[str, str]:
        """The ``rule`` object of the dossier.routed event."""
        return {
            "name": self.rule,
            "departement": self.departement,
            "table_version": self.table_version,
        }


def route(*, employer_postcode: str, category: str, reference: ReferenceData) -> Route:
    """Choose the platform for a submission from its employer's postcode and category."""
    row = _departement_row(employer_postcode, reference)
    if category == SEASONAL_CATEGORY and is_metropolitan(row.code):
        return _route(SEASONAL_PLATFORM, "seasonal_metropole", row.code, reference)
    return _route(row.platform, "departement", row.code, reference)


def transfer_route(to_platform: str, departement: str, reference: ReferenceData) -> Route:
    """The route of a dossier a platform hands to ``to_platform`` (CONTRACTS.md §3.2)."""
    return _route(to_platform, "transfer", departement, reference)


def _departement_row(postcode: str, reference: ReferenceData) -> Departement:
    lookup = departement_of_postcode(postcode)
    if lookup.outcome == "out_of_scope_territory":
        raise Unroutable("out_of_scope_territory")
    # An invalid postcode is intake's schema error; here it simply maps to nothing.
    row = reference.departement(lookup.departement) if lookup.departement else None
    if row is None:
        raise Unroutable("postcode_unknown")
    if row.platform == OUT_OF_SCOPE:
        raise Unroutable("out_of_scope_territory")
    return row


def _route(platform: str, rule: RuleName, departement: str, reference: ReferenceData) -> Route:
    reference.platform(platform)  # raises ReferenceDataError for an unknown platform
    return Route(platform, rule, departement, reference.table_version)
