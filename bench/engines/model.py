"""The work authorization as plain blocks of text, for engines without the HTML templates.

It follows ``templates/documents/authorization.html`` word for word: the same sections,
labels and sentences, French always and English after it when the context asks. Texts are
data, never markup: each engine escapes or places them as its language requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from workers.documents.render import TITLES
from workers.law.wording import long_date

DASH = "—"
SEAL_SIZE_MM = 42.0
LEGAL_BASIS = "C. trav., art. L.5221-2 et R.5221-1 et suivants."


@dataclass(frozen=True)
class Run:
    """A piece of text in one style: ``secondary`` is the grey of English additions."""

    text: str
    bold: bool = False
    secondary: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph of runs that wraps as one; ``style`` names its size and spacing."""

    style: str
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Row:
    """One line of a fields table: a label and its value's blocks."""

    label: tuple[Run, ...]
    value: tuple[Block, ...]


@dataclass(frozen=True)
class Section:
    """A heading and its fields table."""

    heading: tuple[Run, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Authorization:
    """Everything one authorization prints, in reading order, and its PDF metadata."""

    number: str
    issued_on: date
    language: str
    title: str
    author: str
    header_left: tuple[Block, ...]
    header_right: tuple[Block, ...]
    heading: tuple[Block, ...]
    sections: tuple[Section, ...]
    validity_heading: tuple[Run, ...]
    closing: tuple[Block, ...]
    seal_caption: tuple[Block, ...]

    @property
    def footer(self) -> str:
        """The footer before its page number."""
        return f"{self.number} · page "


def authorization(context: Mapping[str, Any]) -> Authorization:
    """The document's blocks from an ``authorization_context``."""
    en = context["language"] == "en"
    platform = context["platform"]
    return Authorization(
        number=context["document_number"],
        issued_on=context["issued_on"],
        language=context["language"],
        title=f"{TITLES['authorization']} {context['document_number']}",
        author=platform["name"],
        header_left=(
            Block("republic", (Run("RÉPUBLIQUE FRANÇAISE", bold=True),)),
            Block("motto", (Run("Liberté, Égalité, Fraternité", secondary=True),)),
            Block("issuer", (Run(platform["host_prefecture"], bold=True),)),
            Block("issuer", (Run(platform["name"]),)),
        ),
        header_right=_header_right(context, en),
        heading=_heading(context, en),
        sections=(_employer(context, en), _beneficiary(context, en), _job(context, en)),
        validity_heading=_heading_runs("Validité", "Validity", en),
        closing=_closing(context, en),
        seal_caption=_seal_caption(en),
    )


def _header_right(context: Mapping[str, Any], en: bool) -> tuple[Block, ...]:
    issued = context["issued_on"]
    blocks = [
        Block("meta", (Run("N° "), Run(context["document_number"], bold=True))),
        *_english("meta", "Document number", en),
        Block("meta", (Run(f"Dossier n° {context['dossier_number']}"),)),
        *_english("meta", "File number", en),
        Block("meta", (Run(f"Date de délivrance : {long_date(issued, 'fr')}"),)),
        *_english("meta", f"Date of issue: {long_date(issued, 'en')}", en),
    ]
    return tuple(blocks)


def _heading(context: Mapping[str, Any], en: bool) -> tuple[Block, ...]:
    filed = context["filed_on"]
    intro = (
        "L'employeur désigné ci-dessous est autorisé à employer le ressortissant étranger "
        "désigné ci-dessous, dans l'emploi décrit et pendant la période de validité indiquée. "
        f"Demande déposée le {long_date(filed, 'fr')}."
    )
    intro_en = (
        "The employer named below is authorized to employ the foreign national named below, "
        "in the job described and for the period of validity stated. "
        f"Application filed on {long_date(filed, 'en')}."
    )
    return (
        Block("title", (Run(TITLES["authorization"], bold=True),)),
        *_english("subtitle", "Work authorization", en),
        Block("p", (Run(intro),)),
        *_english("en", intro_en, en),
    )


def _employer(context: Mapping[str, Any], en: bool) -> Section:
    employer = context["employer"]
    rows = (
        _row("Nom ou raison sociale", "Name", _plain(employer["name"]), en),
        _row("SIRET", "SIRET number", _plain(employer["siret"] or DASH), en),
        _row("Adresse", "Address", _lines(employer["address"]), en),
    )
    return Section(_heading_runs("Employeur", "Employer", en), rows)


def _beneficiary(context: Mapping[str, Any], en: bool) -> Section:
    person = context["beneficiary"]
    born = f" — {person['birth_place']} ({person['birth_country']})"
    rows = (
        _row("Nom", "Surname", _plain(person["last_name"]), en),
        _row("Prénoms", "Given names", _plain(person["first_names"]), en),
        _row(
            "Date et lieu de naissance",
            "Date and place of birth",
            (Block("td", (*_day(person["birth_date"], en), Run(born))),),
            en,
        ),
        _row("Nationalité", "Nationality", _plain(person["nationality"]), en),
        _row("N° de passeport", "Passport number", _plain(person["passport_number"] or DASH), en),
        _row(
            "N° étranger",
            "Foreign national number",
            _plain(person["foreign_national_number"] or DASH),
            en,
        ),
    )
    return Section(_heading_runs("Bénéficiaire", "Beneficiary", en), rows)


def _job(context: Mapping[str, Any], en: bool) -> Section:
    job = context["job"]
    label = job["contract_label"]
    contract = (Run(label["fr"]), *([Run(f" · {label['en']}", secondary=True)] if en else []))
    rows = (
        _row("Intitulé du poste", "Job title", _plain(job["title"]), en),
        _row("Type de contrat", "Contract type", (Block("td", contract),), en),
        _row("Lieu de travail", "Workplace", _lines(job["workplace"]), en),
        _row("Date de début", "Start date", (Block("td", _day(job["start_date"], en)),), en),
        _row("Durée", "Duration", _duration(job, en), en),
    )
    return Section(_heading_runs("Emploi", "Job", en), rows)


def _duration(job: Mapping[str, Any], en: bool) -> tuple[Block, ...]:
    start, end = job["start_date"], job["end_date"]
    if end is None:
        runs = (Run("durée indéterminée"), *([Run(" · open-ended", secondary=True)] if en else []))
        return (Block("td", runs),)
    french = f"du {long_date(start, 'fr')} au {long_date(end, 'fr')}"
    english = f"from {long_date(start, 'en')} to {long_date(end, 'en')}"
    return (Block("td", (Run(french),)), *_english("td", english, en))


def _closing(context: Mapping[str, Any], en: bool) -> tuple[Block, ...]:
    start, end = context["valid_from"], context["valid_until"]
    validity = (
        Run("Du "),
        Run(long_date(start, "fr"), bold=True),
        Run(" au "),
        Run(long_date(end, "fr"), bold=True),
        Run(" inclus."),
    )
    english = f"From {long_date(start, 'en')} to {long_date(end, 'en')} inclusive."
    not_a_permit = (
        "La présente autorisation ne vaut pas titre de séjour ; elle ne vaut que pour "
        "l'emploi et l'employeur ci-dessus."
    )
    return (
        Block("p", validity),
        *_english("en", english, en),
        Block("small", (Run("Base légale :", bold=True), Run(f" {LEGAL_BASIS}"))),
        *_english(
            "small",
            "Legal basis: French Labour Code, articles L.5221-2 and R.5221-1 et seq.",
            en,
        ),
        Block("small", (Run(not_a_permit),)),
        *_english(
            "small",
            "This authorization is not a residence permit; it is valid only for the job "
            "and employer above.",
            en,
        ),
        Block("signature", (Run("Pour le préfet et par délégation,"),)),
        Block("signature", (Run(context["platform"]["name"], bold=True),)),
        *_english("signature", "For the préfet, by delegation", en),
    )


def _seal_caption(en: bool) -> tuple[Block, ...]:
    french = "Cachet électronique de l'administration"
    english = "The administration's electronic seal"
    return (Block("seal", (Run(french, secondary=True),)), *_english("seal", english, en))


def _row(label: str, label_en: str, value: tuple[Block, ...], en: bool) -> Row:
    return Row(_heading_runs(label, label_en, en), value)


def _heading_runs(french: str, english: str, en: bool) -> tuple[Run, ...]:
    return (Run(french), *([Run(f" · {english}", secondary=True)] if en else []))


def _english(style: str, text: str, en: bool) -> tuple[Block, ...]:
    return (Block(style, (Run(text, secondary=True),)),) if en else ()


def _plain(text: str) -> tuple[Block, ...]:
    return (Block("td", (Run(str(text)),)),)


def _lines(lines: list[str]) -> tuple[Block, ...]:
    return tuple(Block("td", (Run(line),)) for line in lines)


def _day(value: date, en: bool) -> tuple[Run, ...]:
    french = Run(long_date(value, "fr"))
    return (french, Run(f" ({long_date(value, 'en')})", secondary=True)) if en else (french,)
