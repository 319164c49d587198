"""Reading and checking the reference CSV files: each file's rows, or ReferenceDataError.

Every problem names the file, the line and what is wrong (``data/README.md`` gives
each file's rules), so a bad edit stops a worker at start instead of misrouting dossiers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from config.records import (
    COLLECTIVITY_CODES,
    CONFIDENCES,
    CONTRACT_PLATFORMS,
    DEPARTEMENT_CODES,
    DOCUMENT_KINDS,
    OUT_OF_SCOPE,
    REQUIRED_DEPARTEMENTS,
    SMIC_TERRITORIES,
    Departement,
    ExemptNationality,
    Platform,
    ReferenceDataError,
    RequiredDocument,
    SmicRate,
    parse_condition,
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"\d{1,7}(\.\d{1,4})?")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Table:
    """One CSV file: its bytes and its rows as (line number, column -> text)."""

    name: str
    raw: bytes
    rows: tuple[tuple[int, dict[str, str]], ...]

    @classmethod
    def read(cls, data_dir: Path, name: str, row_type: type[Any]) -> Table:
        """Read ``name``, whose columns are ``row_type``'s fields in order."""
        columns = tuple(f.name for f in fields(row_type))
        try:
            raw = (data_dir / name).read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReferenceDataError(f"{name}: cannot read: {exc}") from exc
        return cls(name, raw, tuple(_rows(name, text, columns)))

    def error(self, line: int, problem: str) -> ReferenceDataError:
        """The error of ``problem`` at ``line`` of this file."""
        return ReferenceDataError(f"{self.name}, line {line}: {problem}")

    def unique(self, key: str) -> None:
        """Check that no two rows share the value of column ``key``."""
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


def platforms_of(table: Table) -> tuple[Platform, ...]:
    """The rows of platforms.csv: unique ids, every contract platform present."""
    table.unique("id")
    missing = CONTRACT_PLATFORMS - {row["id"] for _, row in table.rows}
    if missing:
        raise ReferenceDataError(f"{table.name}: missing platforms {', '.join(sorted(missing))}")
    return tuple(Platform(**row) for _, row in table.rows)


def departements_of(table: Table, platform_ids: set[str]) -> tuple[Departement, ...]:
    """The rows of departements.csv, each checked against postcodes.md and the platforms."""
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


def check_hosts(table: Table, platforms: Iterable[Platform], codes: set[str]) -> None:
    """Check that every platform's host département is a row of departements.csv."""
    for (line, _), platform in zip(table.rows, platforms, strict=True):
        if platform.host_departement not in codes:
            raise table.error(line, f"host_departement {platform.host_departement!r} is unknown")


def smic_rates_of(table: Table) -> tuple[SmicRate, ...]:
    """The rows of smic.csv: dates and positive amounts, one per territory and date."""
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


def _smic_rate(table: Table, line: int, row: Mapping[str, str]) -> SmicRate:
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


def exempt_nationalities_of(table: Table) -> tuple[ExemptNationality, ...]:
    """The rows of exempt-nationalities.csv: unique ISO alpha-2 codes."""
    table.unique("code")
    for line, row in table.rows:
        if not _COUNTRY.fullmatch(row["code"]):
            raise table.error(line, f"code {row['code']!r} is not two upper-case letters")
    return tuple(ExemptNationality(**row) for _, row in table.rows)


def document_rules_of(table: Table) -> tuple[RequiredDocument, ...]:
    """The rows of required-documents.csv: §6 kinds with parsable, unique conditions."""
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
