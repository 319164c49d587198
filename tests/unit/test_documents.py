"""The documents stage: numbers, template contexts and deterministic, searchable PDFs."""

from __future__ import annotations

import copy
import hashlib
import io
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.support.documents import (
    DOSSIER,
    KINDS,
    SUBMISSIONS,
    context_for,
    submission,
)
from workers.core.errors import PermanentError
from workers.documents import contexts
from workers.documents.render import TITLES, render_pdf
from workers.law.numbering import (
    DocumentNumber,
    document_number,
    is_valid_document_number,
    parse_document_number,
)
from workers.law.wording import long_date

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]


def text_of(pdf: bytes) -> str:
    """The text layer of every page, with whitespace (and line wrapping) collapsed."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


# --- numbering ---------------------------------------------------------------------


def test_document_number_is_dossier_number_kind_letter_and_sequence() -> None:
    assert document_number(DOSSIER, "authorization", 1) == "AT26-0000042-2-A1"
    assert document_number(DOSSIER, "refusal", 2) == "AT26-0000042-2-R2"
    assert document_number(DOSSIER, "documents_request", 10) == "AT26-0000042-2-D10"
    assert document_number(DOSSIER, "implicit_refusal", 1) == "AT26-0000042-2-I1"


@pytest.mark.parametrize("kind", KINDS)
def test_document_number_parses_back_to_its_parts(kind: str) -> None:
    number = document_number(DOSSIER, kind, 7)
    assert parse_document_number(number) == DocumentNumber(DOSSIER, kind, 7)
    assert str(parse_document_number(number)) == number


@pytest.mark.parametrize(
    ("dossier", "kind", "sequence"),
    [
        ("AT26-0000042-3", "authorization", 1),  # wrong check digit
        ("at26-0000042-2", "authorization", 1),
        (DOSSIER, "withdrawal", 1),
        (DOSSIER, "refusal", 0),
        (DOSSIER, "refusal", 10_000),
    ],
)
def test_document_number_refuses_bad_parts(dossier: str, kind: str, sequence: int) -> None:
    with pytest.raises(ValueError):
        document_number(dossier, kind, sequence)


@pytest.mark.parametrize(
    "text",
    ["AT26-0000042-2-A0", "AT26-0000042-2-X1", "AT26-0000042-3-A1", "AT26-0000042-2-A1 ", ""],
)
def test_malformed_document_numbers_are_invalid(text: str) -> None:
    assert not is_valid_document_number(text)
    with pytest.raises(ValueError):
        parse_document_number(text)


# --- contexts ----------------------------------------------------------------------


def test_contexts_give_dash_material_for_a_private_employer_without_siret() -> None:
    context = context_for("authorization", submission("07"))
    assert context["employer"]["siret"] is None
    assert context["beneficiary"]["foreign_national_number"] == "6905512348"
    assert context["filed_on"] == date(2026, 11, 20)
    assert context["employer"]["address"] == ["8 quai Saint-Vincent", "69001 Lyon"]


def test_a_foreign_address_ends_with_its_country() -> None:
    employee = submission("01")["employee"]
    assert contexts.address_lines(employee["address"])[-1] == "IN"


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("authorization", {"language": "de"}),
        ("authorization", {"valid_until": date(2027, 1, 31)}),
        ("refusal", {"reasons": []}),
        ("documents_request", {"requested_documents": [{"kind": "horoscope"}]}),
        ("implicit_refusal", {"submission": {"employer": {}}}),
    ],
)
def test_contexts_refuse_bad_data_permanently(kind: str, changes: dict[str, Any]) -> None:
    with pytest.raises(PermanentError):
        context_for(kind, submission("01"), **changes)


# --- rendering ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("sample", ["01", "07"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_its_heading_number_and_parties(
    kind: str, sample: str, language: str
) -> None:
    data = submission(sample)
    context = context_for(kind, data, language)
    text = text_of(render_pdf(kind, context))
    expected = [
        "RÉPUBLIQUE FRANÇAISE",
        "Liberté, Égalité, Fraternité",
        "Préfecture des Hauts-de-Seine (Nanterre)",
        "Plateforme main-d'œuvre étrangère de Nanterre",
        context["document_number"],
        DOSSIER,
        "15 janvier 2027",
        TITLES[kind],
        data["employer"]["name"],
        data["employee"]["last_name"],
        data["employee"]["first_names"],
    ]
    assert [e for e in expected if e not in text] == []
    assert ("Date of issue: 15 January 2027" in text) == (language == "en")


@pytest.mark.parametrize("sample", sorted(p.name[:2] for p in SUBMISSIONS.glob("0*.json")))
def test_every_accepted_sample_renders_an_authorization(sample: str) -> None:
    text = text_of(render_pdf("authorization", context_for("authorization", submission(sample))))
    assert submission(sample)["job"]["title"] in text


def test_authorization_shows_employer_beneficiary_job_and_validity() -> None:
    text = text_of(render_pdf("authorization", context_for("authorization", submission("01"))))
    for expected in [
        "SIRET 79864326800021",
        "27 rue du Faubourg Poissonnière 75009 Paris",
        "Nom REDDY",
        "Prénoms Sai Kiran",
        "14 juillet 1993 — Hyderabad (IN)",
        "Nationalité IN",
        "N° de passeport Z7654321",
        "N° étranger —",
        "Intitulé du poste Ingénieur logiciel back-end",
        "contrat à durée indéterminée (CDI)",
        "Date de début 1er février 2027",
        "Durée durée indéterminée",
        "Du 1er février 2027 au 31 janvier 2028 inclus",
        "C. trav., art. L.5221-2 et R.5221-1 et suivants",
        "Cachet électronique de l'administration",
    ]:
        assert expected in text


def test_authorization_of_a_private_employer_has_a_dash_for_siret() -> None:
    text = text_of(render_pdf("authorization", context_for("authorization", submission("07"))))
    assert "SIRET —" in text
    assert "N° étranger 6905512348" in text


def test_a_fixed_term_contract_runs_from_start_to_end() -> None:
    context = context_for("authorization", submission("02"), language="en")
    text = text_of(render_pdf("authorization", context))
    assert "Durée · Duration du 11 janvier 2027 au 31 décembre 2027" in text
    assert "from 11 January 2027 to 31 December 2027" in text


def test_refusal_gives_each_reason_its_basis_and_every_appeal_route() -> None:
    text = text_of(render_pdf("refusal", context_for("refusal", submission("07"))))
    for expected in [
        "À l'attention de Geneviève Lambert",
        "1. Le salaire proposé est inférieur au minimum. L'œuvre d'Œdipe l’exige.",
        "Fondement : C. trav., art. R.5221-20, 4°",
        "2. La situation de l'emploi ne le permet pas.",
        "délai de deux mois à compter de la notification de la présente décision",
        "recours gracieux auprès du préfet — Préfecture des Hauts-de-Seine (Nanterre)",
        "recours hiérarchique auprès du ministre de l'Intérieur, dans les deux mois",
        "recours contentieux devant le tribunal administratif",
        "« Télérecours citoyens »",
        "née le 2 décembre 1979",
    ]:
        assert expected in text


def test_request_for_documents_lists_french_labels_notes_and_the_date() -> None:
    context = context_for("documents_request", submission("01"), language="en")
    text = text_of(render_pdf("documents_request", context))
    for expected in [
        "1. Attestation de vigilance URSSAF ou MSA de moins de six mois",
        "L'attestation date de plus de 6 mois.",
        "2. Diplôme (Diploma)",
        "au plus tard le 15 février 2027",
        "silence gardé par l'administration vaut décision est suspendu",
        "by 15 February 2027 at the latest",
    ]:
        assert expected in text


def test_implicit_refusal_states_the_silence_rule_and_the_appeals() -> None:
    text = text_of(
        render_pdf("implicit_refusal", context_for("implicit_refusal", submission("07")))
    )
    for expected in [
        "vaut décision implicite de rejet",
        "art. L.231-4",
        "née le 20 janvier 2027",
        "recours hiérarchique",
    ]:
        assert expected in text


@pytest.mark.parametrize("kind", KINDS)
def test_rendering_twice_gives_identical_bytes(kind: str) -> None:
    context = context_for(kind, submission("01"), language="en")
    assert render_pdf(kind, context) == render_pdf(kind, context)


def test_another_process_renders_the_same_bytes() -> None:
    # Fonts and subsets live in process state: a fresh process must agree with this one.
    script = (
        "import hashlib, sys; sys.path.insert(0, 'tests/unit');"
        "from test_documents import context_for, submission;"
        "from workers.documents.render import render_pdf;"
        "ctx = context_for('authorization', submission('01'));"
        "print(hashlib.sha256(render_pdf('authorization', ctx)).hexdigest())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=50
    )
    assert result.returncode == 0, result.stderr
    here = render_pdf("authorization", context_for("authorization", submission("01")))
    assert result.stdout.strip() == hashlib.sha256(here).hexdigest()


def test_metadata_names_the_document_and_no_person() -> None:
    data = submission("01")
    pdf = render_pdf("authorization", context_for("authorization", data))
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.title == "Autorisation de travail AT26-0000042-2-A1"
    assert metadata.author == "Plateforme main-d'œuvre étrangère de Nanterre"
    assert metadata["/CreationDate"] == "D:20270115000000+00'00'"
    values = " ".join(str(v) for v in metadata.values())
    for personal in ("REDDY", "Sai Kiran", "Quantiq", "Z7654321"):
        assert personal not in values


def test_hostile_text_stays_literal() -> None:
    data = copy.deepcopy(submission("01"))
    data["employer"]["name"] = "<b>X</b> & Cie"
    data["employee"]["first_names"] = "{{ 7*7 }}"
    data["job"]["title"] = '<font color="red">Chef</font> <br/> &amp;'
    reasons = [{"code": "x", "text": "</li><li>injecté", "legal_basis": "<i>L.1</i>"}]
    cases: list[tuple[str, dict[str, Any]]] = [
        ("authorization", {}),
        ("refusal", {"reasons": reasons}),
    ]
    for kind, changes in cases:
        text = text_of(render_pdf(kind, context_for(kind, data, **changes)))
        assert "<b>X</b> & Cie" in text
        assert "{{ 7*7 }}" in text
        assert '<font color="red">Chef</font> <br/> &amp;' in text
    assert "1. </li><li>injecté Fondement : <i>L.1</i>" in text


def test_names_beyond_french_render_in_the_text_layer() -> None:
    data = copy.deepcopy(submission("01"))
    data["employee"]["last_name"] = "NGUYỄN-ŁUKASZEWSKA"
    data["employee"]["first_names"] = "Çağlar Ştefan"
    text = text_of(render_pdf("authorization", context_for("authorization", data)))
    assert "NGUYỄN-ŁUKASZEWSKA" in text
    assert "Çağlar Ştefan" in text


@pytest.mark.parametrize("key", ["valid_until", "beneficiary", "platform", "issued_on"])
def test_a_missing_context_key_is_a_permanent_error(key: str) -> None:
    context = context_for("authorization", submission("01"))
    del context[key]
    with pytest.raises(PermanentError):
        render_pdf("authorization", context)


def test_an_unknown_kind_is_a_permanent_error() -> None:
    with pytest.raises(PermanentError):
        render_pdf("../mail/deposit_confirmation", context_for("refusal", submission("01")))


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (date(2027, 2, 1), "fr", "1er février 2027"),
        (date(2027, 8, 15), "fr", "15 août 2027"),
        (date(2027, 2, 1), "en", "1 February 2027"),
    ],
)
def test_long_dates(value: date, language: str, expected: str) -> None:
    assert long_date(value, language) == expected
