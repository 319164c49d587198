"""What the desk's pages show, as plain values for its templates, in the page's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from workers.desk.checks import Checked, Problem
from workers.desk.texts import FIELDS, PAGE, Language
from workers.law.wording import CONTRACT_LABELS, long_date
from workers.seal.verify import Status


@dataclass(frozen=True)
class Links:
    """A language's addresses: its form page, where its forms post, its statements (the
    footer's mandatory links), and the other language.
    """

    home: str
    verify: str
    accessibility: str
    legal: str
    privacy: str
    other_language: Language


LINKS: dict[Language, Links] = {
    "fr": Links(
        home="/",
        verify="/verifier",
        accessibility="/accessibilite",
        legal="/mentions-legales",
        privacy="/donnees-personnelles",
        other_language="en",
    ),
    "en": Links(
        home="/en",
        verify="/en/verify",
        accessibility="/en/accessibility",
        legal="/en/legal-notice",
        privacy="/en/personal-data",
        other_language="fr",
    ),
}
StatementPage = Literal["accessibility", "legal", "privacy"]
STATEMENT_PAGES: tuple[StatementPage, ...] = ("accessibility", "legal", "privacy")
# The DSFR alert of each verdict: its colour and its icon (a tick, a cross, a warning sign),
# under a title that says the verdict in words.
ALERTS = {Status.GENUINE: "success", Status.NOT_GENUINE: "error", Status.SUPERSEDED: "warning"}


@dataclass(frozen=True)
class Line:
    """A text that may name a document number, kept whole on one line when shown."""

    text: str
    number: str = ""
    after: str = ""

    @classmethod
    def naming(cls, template: str, number: str) -> Line:
        before, _, after = template.partition("{number}")
        return cls(before, number, after)

    def __str__(self) -> str:
        return f"{self.text}{self.number}{self.after}"


def page_context(language: Language, statement: StatementPage | None = None) -> dict[str, Any]:
    """What every page needs: its language, its words, its links, and the address of the
    same page in the other language (the other form, or the same ``statement``).
    """
    links = LINKS[language]
    other = LINKS[links.other_language]
    return {
        "lang": language,
        "t": {key: text(language) for key, text in PAGE.items()},
        "links": links,
        "other_address": getattr(other, statement) if statement else other.home,
    }


def form_context(language: Language, problem: Problem | None = None) -> dict[str, Any]:
    """The form page, with the problem of the last try tied to its field, if any."""
    return {
        **page_context(language),
        "problem": problem.text(language) if problem else None,
        "problem_field": problem.field if problem else None,
    }


def result_context(
    language: Language, checked: Checked, platform_names: Mapping[str, str]
) -> dict[str, Any]:
    """The result page: the verdict in words, then the signed data to compare."""
    verdict = checked.verdict
    page = page_context(language)
    texts = page["t"]
    number = verdict.superseded_by or ""
    if verdict.status is Status.GENUINE:
        heading, lines = Line(texts["genuine"]), [Line(texts["genuine_text"])]
    elif verdict.status is Status.SUPERSEDED:
        heading = Line.naming(texts["superseded"], number)
        lines = [Line.naming(texts["superseded_text"], number)]
    else:
        reason = verdict.reason.explain(language) if verdict.reason else ""
        heading = Line(texts["not_genuine"])
        lines = [Line(reason), Line(texts["not_genuine_advice"])]
    return {
        **page,
        "status": verdict.status.value,
        "alert": ALERTS[verdict.status],
        "heading": heading,
        "lines": [line for line in lines if str(line)],
        "replacement_unknown": checked.replacement_checked is False,
        "rows": _rows(verdict.payload, language, texts["none"], platform_names),
    }


def _rows(
    payload: Any, language: Language, none: str, platform_names: Mapping[str, str]
) -> list[tuple[str, str]]:
    if payload is None:
        return []
    return [
        (label(language), _shown(key, getattr(payload, key), language, none, platform_names))
        for key, label in FIELDS
    ]


def _shown(
    key: str, value: Any, language: Language, none: str, platform_names: Mapping[str, str]
) -> str:
    if value is None:
        return none
    if isinstance(value, date):
        return long_date(value, language)
    if key == "contract":
        french, english = CONTRACT_LABELS[value]
        return english if language == "en" else french
    if key == "platform":
        return platform_names.get(value, value)
    return str(value)
