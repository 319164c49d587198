"""The legal reference data of ``config/data`` as typed, validated, immutable values.

Every file carries its sources (``data/README.md``). ``load_reference`` checks the
files at load (``config.loading``) and raises ``ReferenceDataError`` naming the file,
the line and the problem, so a bad edit stops a worker at start instead of misrouting
dossiers. The row types and the values they may hold live in ``config.records``; every
name of it is re-exported here.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from config import loading
from config.records import COLLECTIVITY_CODES as COLLECTIVITY_CODES
from config.records import CONDITION_VALUES as CONDITION_VALUES
from config.records import CONFIDENCES as CONFIDENCES
from config.records import CONTRACT_PLATFORMS as CONTRACT_PLATFORMS
from config.records import DEPARTEMENT_CODES as DEPARTEMENT_CODES
from config.records import DOCUMENT_KINDS as DOCUMENT_KINDS
from config.records import OUT_OF_SCOPE as OUT_OF_SCOPE
from config.records import REQUIRED_DEPARTEMENTS as REQUIRED_DEPARTEMENTS
from config.records import SMIC_TERRITORIES as SMIC_TERRITORIES
from config.records import Clause as Clause
from config.records import Departement as Departement
from config.records import ExemptNationality as ExemptNationality
from config.records import Platform as Platform
from config.records import ReferenceDataError as ReferenceDataError
from config.records import RequiredDocument as RequiredDocument
from config.records import SmicRate as SmicRate
from config.records import parse_condition as parse_condition

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class ReferenceData:
    """All reference tables, validated, with the lookups the stages need."""

    departements: tuple[Departement, ...]
    platforms: tuple[Platform, ...]
    smic_rates: tuple[SmicRate, ...]
    exempt_nationalities: tuple[ExemptNationality, ...]
    document_rules: tuple[RequiredDocument, ...]
    table_version: str
    _departements: dict[str, Departement] = field(init=False, repr=False, compare=False)
    _platforms: dict[str, Platform] = field(init=False, repr=False, compare=False)
    _smic: dict[str, tuple[SmicRate, ...]] = field(init=False, repr=False, compare=False)
    _exempt: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        smic = {t: tuple(r for r in self.smic_rates if r.territory == t) for t in SMIC_TERRITORIES}
        object.__setattr__(self, "_departements", {d.code: d for d in self.departements})
        object.__setattr__(self, "_platforms", {p.id: p for p in self.platforms})
        object.__setattr__(self, "_smic", {t: _by_date(rows) for t, rows in smic.items()})
        object.__setattr__(self, "_exempt", frozenset(n.code for n in self.exempt_nationalities))

    @property
    def platform_ids(self) -> tuple[str, ...]:
        """The platform ids, in platforms.csv order."""
        return tuple(self._platforms)

    def departement(self, code: str) -> Departement | None:
        """The département with this code, or None."""
        return self._departements.get(code)

    def platform(self, platform_id: str) -> Platform:
        """The platform with this id; ReferenceDataError when there is none."""
        try:
            return self._platforms[platform_id]
        except KeyError:
            raise ReferenceDataError(f"unknown platform {platform_id!r}") from None

    def smic_monthly_35h(self, territory: str, on: date) -> SmicRate:
        """The SMIC row of ``territory`` in force on ``on``: the latest one not after it."""
        if territory not in self._smic:
            raise ReferenceDataError(f"unknown SMIC territory {territory!r}")
        rows = self._smic[territory]
        index = bisect.bisect_right([r.effective_from for r in rows], on) - 1
        if index < 0:
            raise ReferenceDataError(f"no SMIC row for {territory} in force on {on.isoformat()}")
        return rows[index]

    def is_exempt_nationality(self, code: str) -> bool:
        """Tell whether nationals of ``code`` (ISO alpha-2) need no work authorization."""
        return code in self._exempt

    def required_documents(
        self, *, category: str, employer_kind: str, procedure: str
    ) -> tuple[str, ...]:
        """The document kinds a dossier must hold, in CONTRACTS.md §6's order."""
        facts = {"category": category, "employer_kind": employer_kind, "procedure": procedure}
        required = {
            rule.kind
            for rule in self.document_rules
            if all(clause.holds(facts) for clause in parse_condition(rule.applies_when))
        }
        return tuple(kind for kind in DOCUMENT_KINDS if kind in required)


def _by_date(rows: Iterable[SmicRate]) -> tuple[SmicRate, ...]:
    return tuple(sorted(rows, key=lambda r: r.effective_from))


def load_reference(data_dir: Path | None = None) -> ReferenceData:
    """Load and validate the reference files (default: the package's own, read once)."""
    if data_dir is None:
        return _load_default()
    return _load(data_dir)


@functools.cache
def _load_default() -> ReferenceData:
    return _load(DATA_DIR)


def _load(data_dir: Path) -> ReferenceData:
    platforms_csv = loading.Table.read(data_dir, "platforms.csv", Platform)
    departements_csv = loading.Table.read(data_dir, "departements.csv", Departement)
    platforms = loading.platforms_of(platforms_csv)
    departements = loading.departements_of(departements_csv, {p.id for p in platforms})
    loading.check_hosts(platforms_csv, platforms, {d.code for d in departements})
    smic_csv = loading.Table.read(data_dir, "smic.csv", SmicRate)
    exempt_csv = loading.Table.read(data_dir, "exempt-nationalities.csv", ExemptNationality)
    documents_csv = loading.Table.read(data_dir, "required-documents.csv", RequiredDocument)
    digest = hashlib.sha256(departements_csv.raw + platforms_csv.raw).hexdigest()
    return ReferenceData(
        departements=departements,
        platforms=platforms,
        smic_rates=loading.smic_rates_of(smic_csv),
        exempt_nationalities=loading.exempt_nationalities_of(exempt_csv),
        document_rules=loading.document_rules_of(documents_csv),
        table_version=f"departements-{digest[:12]}",
    )
