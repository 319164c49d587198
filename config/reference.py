"""The legal reference data of ``config/data`` as typed, validated, immutable values.

Every file carries its sources (``data/README.md``). ``load_reference`` checks the
files at load and raises ``ReferenceDataError`` naming the file, the line and the
problem, so a bad edit stops a worker at start instead of misrouting dossiers.
"""

from __future__ import annotations

import bisect
import csv
import functools
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from config.territory import METROPOLITAN_CODES, OUT_OF_SCOPE_PREFIXES, OVERSEAS_CODES

DATA_DIR = Path(__file__).parent / "data"
OUT_OF_SCOPE = "out_of_scope"
CONFIDENCES = frozenset({"A", "B", "C", "assumed"})
SMIC_TERRITORIES = ("metropole_drom", "mayotte")
CONTRACT_PLATFORMS = frozenset(
    {
        "pf-bethune",
        "pf-bobigny",
        "pf-nanterre",
        "pf-tulle",
        "pf-clermont-ferrand",
        "pf-cayenne",
        "pf-avignon",
    }
)
# The collectivities issue their own permits; postcodes.md sends them to intake's
# out_of_scope_territory, so the table must agree.
COLLECTIVITY_CODES = frozenset({"977", "978"}) | OUT_OF_SCOPE_PREFIXES
DEPARTEMENT_CODES = METROPOLITAN_CODES | OVERSEAS_CODES | COLLECTIVITY_CODES
REQUIRED_DEPARTEMENTS = METROPOLITAN_CODES | OVERSEAS_CODES
DOCUMENT_KINDS = (  # CONTRACTS.md §6, in its order
    "passport",
    "employment_contract",
    "job_offer_proof",
    "social_contributions_certificate",
    "company_registration",
    "tax_notice",
    "diploma",
    "residence_permit",
    "asylum_certificate",
    "student_enrolment",
    "housing_proof",
    "other",
)
CONDITION_VALUES: Mapping[str, frozenset[str]] = {
    "category": frozenset(
        {"employee", "temporary_worker", "seasonal_worker", "student", "asylum_seeker"}
    ),
    "employer_kind": frozenset({"company", "private_individual"}),
    "procedure": frozenset(
        {"introduction", "change_of_status", "renewal", "provisional_authorization"}
    ),
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"\d{1,7}(\.\d{1,4})?")
_COUNTRY = re.compile(r"[A-Z]{2}")
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
    platforms_csv = _Table.read(data_dir, "platforms.csv", Platform)
    departements_csv = _Table.read(data_dir, "departements.csv", Departement)
    platforms = _platforms(platforms_csv)
    departements = _departements(departements_csv, {p.id for p in platforms})
    _check_hosts(platforms_csv, platforms, {d.code for d in departements})
    smic_csv = _Table.read(data_dir, "smic.csv", SmicRate)
    exempt_csv = _Table.read(data_dir, "exempt-nationalities.csv", ExemptNationality)
    documents_csv = _Table.read(data_dir, "required-documents.csv", RequiredDocument)
    digest = hashlib.sha256(departements_csv.raw + platforms_csv.raw).hexdigest()
    return ReferenceData(
        departements=departements,
        platforms=platforms,
        smic_rates=_smic(smic_csv),
        exempt_nationalities=_exempt(exempt_csv),
        document_rules=_documents(documents_csv),
        table_version=f"departements-{digest[:12]}",
    )


@dataclass(frozen=True)
class _Table:
    """One CSV file: its bytes and its rows as (line number, column -> text)."""

    name: str
    raw: bytes
    rows: tuple[tuple[int, dict[str, str]], ...]

    @classmethod
    def read(cls, data_dir: Path, name: str, row_type: type[Any]) -> _Table:
        """Read ``name``, whose columns are ``row_type``'s fields in order."""
        columns = tuple(f.name for f in fields(row_type))
        try:
            raw = (data_dir / name).read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReferenceDataError(f"{name}: cannot read: {exc}") from exc
        return cls(name, raw, tuple(_rows(name, text, columns)))

    def error(self, line: int, problem: str) -> ReferenceDataError:
        return ReferenceDataError(f"{self.name}, line {line}: {problem}")

    def unique(self, key: str) -> None:
        seen: dict[str, int] = {}
        for line, row in self.rows:
            if row[key] in seen:
                raise self.error(line, f"duplicate {key} {row[key]!r} (line {seen[row[key]]})")
            seen[row[key]] = line


def _rows(name: str, text: str, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    if next(reader, None) != list(columns):
        raise ReferenceDataError(f"{name}, line 1: header must be {','.join(columns)}")
    for values in reader:
        if not values:
            continue
        if len(values) != len(columns):
            problem = f"expected {len(columns)} fields, found {len(values)}"
            raise ReferenceDataError(f"{name}, line {reader.line_num}: {problem}")
        row = dict(zip(columns, values, strict=True))
        empty = [column for column, value in row.items() if not value]
        if empty:
            raise ReferenceDataError(f"{name}, line {reader.line_num}: empty {empty[0]}")
        yield reader.line_num, row


def _platforms(table: _Table) -> tuple[Platform, ...]:
    table.unique("id")
    missing = CONTRACT_PLATFORMS - {row["id"] for _, row in table.rows}
    if missing:
        raise ReferenceDataError(f"{table.name}: missing platforms {', '.join(sorted(missing))}")
    return tuple(Platform(**row) for _, row in table.rows)


def _departements(table: _Table, platform_ids: set[str]) -> tuple[Departement, ...]:
    table.unique("code")
    for line, row in table.rows:
        problem = _departement_problem(row, platform_ids)
        if problem:
            raise table.error(line, problem)
    missing = REQUIRED_DEPARTEMENTS - {row["code"] for _, row in table.rows}
    if missing:
        raise ReferenceDataError(f"{table.name}: missing départements {', '.join(sorted(missing))}")
    return tuple(Departement(**row) for _, row in table.rows)


def _departement_problem(row: Mapping[str, str], platform_ids: set[str]) -> str | None:
    code, platform = row["code"], row["platform"]
    if code not in DEPARTEMENT_CODES:
        return f"code {code!r} is not a département of postcodes.md"
    if platform not in platform_ids and platform != OUT_OF_SCOPE:
        return f"platform {platform!r} is neither a platforms.csv id nor {OUT_OF_SCOPE}"
    if code in COLLECTIVITY_CODES and platform != OUT_OF_SCOPE:
        return f"collectivity {code} must be {OUT_OF_SCOPE} (postcodes.md)"
    if row["confidence"] not in CONFIDENCES:
        return f"confidence {row['confidence']!r} is not one of A, B, C, assumed"
    return None


def _check_hosts(table: _Table, platforms: Iterable[Platform], codes: set[str]) -> None:
    for (line, _), platform in zip(table.rows, platforms, strict=True):
        if platform.host_departement not in codes:
            raise table.error(line, f"host_departement {platform.host_departement!r} is unknown")


def _smic(table: _Table) -> tuple[SmicRate, ...]:
    rates = tuple(_smic_rate(table, line, row) for line, row in table.rows)
    seen: dict[tuple[str, date], int] = {}
    for (line, _), rate in zip(table.rows, rates, strict=True):
        key = (rate.territory, rate.effective_from)
        if key in seen:
            raise table.error(line, f"duplicate row for {key[0]} on {key[1]} (line {seen[key]})")
        seen[key] = line
    missing = set(SMIC_TERRITORIES) - {rate.territory for rate in rates}
    if missing:
        raise ReferenceDataError(f"{table.name}: no row for {', '.join(sorted(missing))}")
    return rates


def _smic_rate(table: _Table, line: int, row: Mapping[str, str]) -> SmicRate:
    if row["territory"] not in SMIC_TERRITORIES:
        raise table.error(line, f"territory {row['territory']!r} is not one of {SMIC_TERRITORIES}")
    try:
        return SmicRate(
            territory=row["territory"],
            effective_from=_date(row["effective_from"]),
            hourly_gross_eur=_amount(row["hourly_gross_eur"]),
            monthly_gross_35h_eur=_amount(row["monthly_gross_35h_eur"]),
            source=row["source"],
        )
    except ValueError as exc:
        raise table.error(line, str(exc)) from exc


def _date(text: str) -> date:
    if not _DATE.fullmatch(text):
        raise ValueError(f"date {text!r} is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"date {text!r} does not exist: {exc}") from exc


def _amount(text: str) -> Decimal:
    if not _AMOUNT.fullmatch(text):
        raise ValueError(f"amount {text!r} is not a decimal number of euros")
    amount = Decimal(text)
    if amount <= 0:
        raise ValueError(f"amount {text!r} is not positive")
    return amount


def _exempt(table: _Table) -> tuple[ExemptNationality, ...]:
    table.unique("code")
    for line, row in table.rows:
        if not _COUNTRY.fullmatch(row["code"]):
            raise table.error(line, f"code {row['code']!r} is not two upper-case letters")
    return tuple(ExemptNationality(**row) for _, row in table.rows)


def _documents(table: _Table) -> tuple[RequiredDocument, ...]:
    seen: dict[tuple[str, str], int] = {}
    for line, row in table.rows:
        key = (row["kind"], row["applies_when"])
        if row["kind"] not in DOCUMENT_KINDS:
            raise table.error(line, f"kind {row['kind']!r} is not a CONTRACTS.md §6 kind")
        if key in seen:
            raise table.error(line, f"duplicate row for {key[0]} when {key[1]} (line {seen[key]})")
        try:
            parse_condition(row["applies_when"])
        except ValueError as exc:
            raise table.error(line, str(exc)) from exc
        seen[key] = line
    return tuple(RequiredDocument(**row) for _, row in table.rows)
