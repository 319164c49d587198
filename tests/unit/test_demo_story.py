"""Each dossier's story from plain records: its documents, every email it caused whatever
the reference, its timeline in order, and the lines the summary prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workers.demo.story import (
    Account,
    DocumentRow,
    DossierRow,
    Email,
    EmailRow,
    Event,
    MailFile,
    Step,
    account,
    dossier_lines,
    email_line,
    emails_of,
    moment,
    other_lines,
    step,
    stories,
    timeline,
)

GRANTED = "AT26-0000001-8"
OTHER = "AT26-0000002-6"
AUTHORIZATION = f"{GRANTED}-A1"


def mail(message_id: str, language: str | None = "fr", *attachments: str) -> MailFile:
    return MailFile(
        message_id=message_id,
        path=Path(f"mail/{message_id.strip('<>')}.eml"),
        subject="Objet",
        language=language,
        attachments=attachments,
        html="<html lang='fr'></html>",
    )


def row(reference: str, kind: str, role: str = "employer", status: str = "sent") -> EmailRow:
    return EmailRow(reference, kind, role, f"<{reference}-{kind}-{role}@x>", status)


def event(time: str, name: str, **data: Any) -> Event:
    return Event(time, f"fr.permis.{name}", data)


DOSSIERS = [
    DossierRow(OTHER, "routed", "pf-bobigny"),
    DossierRow(GRANTED, "granted", "pf-nanterre"),
]
DOCUMENTS = [DocumentRow(AUTHORIZATION, GRANTED, "authorization")]
EMAILS = [
    row(GRANTED, "deposit_confirmation"),
    row(OTHER, "deposit_confirmation"),
    row("0d205f6a-4d77-5cba-a3c5-340e7e295e4c", "submission_rejected"),
    row(AUTHORIZATION, "authorization_granted", "employer"),
    row(AUTHORIZATION, "authorization_granted", "beneficiary"),
]
MAILS = {
    e.message_id: mail(e.message_id, "en" if e.recipient_role == "beneficiary" else "fr")
    for e in EMAILS
}


def test_stories_come_by_dossier_number() -> None:
    told = stories(DOSSIERS, DOCUMENTS, EMAILS, MAILS, [])
    assert [(s.number, s.state, s.platform) for s in told] == [
        (GRANTED, "granted", "pf-nanterre"),
        (OTHER, "routed", "pf-bobigny"),
    ]


def test_a_dossier_has_the_emails_of_its_number_and_of_its_documents() -> None:
    granted, other = stories(DOSSIERS, DOCUMENTS, EMAILS, MAILS, [])
    assert [(e.kind, e.recipient_role, e.reference) for e in granted.emails] == [
        ("deposit_confirmation", "employer", GRANTED),
        ("authorization_granted", "employer", AUTHORIZATION),
        ("authorization_granted", "beneficiary", AUTHORIZATION),
    ]
    assert [e.kind for e in other.emails] == ["deposit_confirmation"]


def test_a_dossier_has_only_its_own_documents() -> None:
    granted, other = stories(DOSSIERS, DOCUMENTS, EMAILS, MAILS, [])
    assert granted.documents == tuple(DOCUMENTS)
    assert other.documents == ()


def test_an_email_of_a_refused_submission_belongs_to_no_dossier() -> None:
    told = stories(DOSSIERS, DOCUMENTS, EMAILS, MAILS, [])
    assert all(e.kind != "submission_rejected" for s in told for e in s.emails)


def test_the_account_keeps_the_emails_of_no_dossier_aside() -> None:
    told = account(DOSSIERS, DOCUMENTS, EMAILS, MAILS, [])
    assert told.stories == tuple(stories(DOSSIERS, DOCUMENTS, EMAILS, MAILS, []))
    assert [(e.reference, e.kind) for e in told.others] == [
        ("0d205f6a-4d77-5cba-a3c5-340e7e295e4c", "submission_rejected")
    ]
    assert told.others[0].file is MAILS[EMAILS[2].message_id]


def test_every_email_is_told_once_in_the_account() -> None:
    told = account(DOSSIERS, DOCUMENTS, EMAILS, MAILS, [])
    counted = [e for s in told.stories for e in s.emails] + list(told.others)
    assert len(counted) == len(EMAILS)


def test_an_account_without_dossiers_holds_every_email_aside() -> None:
    assert account([], [], EMAILS, {}, []) == Account(
        (), tuple(Email(r.reference, r.kind, r.recipient_role, r.status, None) for r in EMAILS)
    )


def test_an_email_of_no_dossier_is_told_after_what_it_answered() -> None:
    others = [
        Email("id-1", "submission_rejected", "employer", "sent", mail("<1@x>")),
        Email("id-2", "submission_rejected", "employer", "failed", None),
    ]
    assert other_lines(others, {"id-1": "20-rejected-siret-invalid.json"}) == [
        "  20-rejected-siret-invalid.json: email submission_rejected to the employer (fr): sent",
        "  id-2: email submission_rejected to the employer (?): failed",
    ]


def test_a_dossier_without_emails_or_events_has_an_empty_story() -> None:
    (alone,) = stories([DossierRow(OTHER, "deposited", None)], [], [], {}, [])
    assert (alone.timeline, alone.documents, alone.emails) == ((), (), ())


def test_an_email_keeps_its_file_its_language_and_attachments() -> None:
    file = mail("<a@x>", "en", "AT26-0000001-8-A1.pdf")
    (email,) = emails_of(
        {AUTHORIZATION},
        [EmailRow(AUTHORIZATION, "k", "beneficiary", "<a@x>", "sent")],
        {"<a@x>": file},
    )
    assert email.file is file
    assert email.language == "en"
    assert email.attachments == ("AT26-0000001-8-A1.pdf",)


def test_an_email_whose_file_is_missing_is_kept_without_language_or_attachments() -> None:
    (email,) = emails_of({GRANTED}, [row(GRANTED, "deposit_confirmation", status="failed")], {})
    assert (email.file, email.language, email.attachments, email.status) == (
        None,
        None,
        (),
        "failed",
    )


def test_emails_keep_the_order_they_were_recorded_in() -> None:
    rows = [row(AUTHORIZATION, "b"), row(GRANTED, "a"), row(AUTHORIZATION, "c")]
    assert [e.kind for e in emails_of({GRANTED, AUTHORIZATION}, rows, {})] == ["b", "a", "c"]


def test_a_timeline_holds_only_the_dossiers_events_in_time_order() -> None:
    events = [
        event("2026-12-08T00:00:02+00:00", "dossier.granted", dossier_number=GRANTED),
        event("2026-12-08T00:00:01.500+00:00", "dossier.routed", dossier_number=GRANTED),
        event("2026-12-08T00:00:00+00:00", "dossier.deposited", dossier_number=OTHER),
        event("2026-12-08T00:00:00+00:00", "dossier.rejected", submission_id="x", errors=[]),
        event("2026-12-08T01:00:01+01:00", "dossier.deposited", dossier_number=GRANTED),
    ]
    assert [s.name for s in timeline(GRANTED, events)] == [
        "dossier.deposited",
        "dossier.routed",
        "dossier.granted",
    ]


def test_events_at_the_same_time_stay_in_the_order_they_came() -> None:
    at = "2026-12-08T00:00:00+00:00"
    events = [event(at, name, dossier_number=GRANTED) for name in ("c.one", "a.two", "b.three")]
    assert [s.name for s in timeline(GRANTED, events)] == ["c.one", "a.two", "b.three"]


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("2026-12-08T00:00:00Z", "2026-12-08T00:00:00+00:00"),
        ("2026-12-08T01:00:00+01:00", "2026-12-08T00:00:00+00:00"),
        ("2026-12-08T00:00:00.000+00:00", "2026-12-08T00:00:00+00:00"),
    ],
)
def test_moments_compare_across_offsets_and_precisions(text: str, same_as: str) -> None:
    assert moment(text) == moment(same_as)


@pytest.mark.parametrize(
    ("name", "data", "detail"),
    [
        ("dossier.routed", {"dossier_number": GRANTED, "platform": "pf-nanterre"}, "pf-nanterre"),
        (
            "email.sent",
            {
                "dossier_number": GRANTED,
                "kind": "authorization_granted",
                "recipient_role": "beneficiary",
            },
            "authorization_granted, beneficiary",
        ),
        (
            "document.issued",
            {"kind": "authorization", "document_number": AUTHORIZATION, "sha256": "ab"},
            f"authorization, {AUTHORIZATION}",
        ),
        (
            "dossier.granted",
            {"platform": "pf-nanterre", "authorization_number": AUTHORIZATION},
            f"pf-nanterre, {AUTHORIZATION}",
        ),
        ("dossier.deposited", {"deadline": "2027-02-08", "findings": []}, "2027-02-08"),
        ("dossier.documents_requested", {"respond_by": "2027-01-08"}, "2027-01-08"),
        ("dossier.transferred", {"platform": "a", "to_platform": "b"}, "a, b"),
        (
            "email.failed",
            {"kind": "k", "recipient_role": "employer", "reason": "550"},
            "k, employer, 550",
        ),
        ("decision.rejected", {"errors": [{"code": "signature_missing"}]}, "signature_missing"),
        ("dossier.withdrawn", {"platform": None}, ""),
    ],
)
def test_a_step_names_the_event_and_the_data_that_tells_it(
    name: str, data: dict[str, Any], detail: str
) -> None:
    assert step(event("2026-12-08T00:00:00+00:00", name, **data)) == Step(
        "2026-12-08T00:00:00+00:00", name, detail
    )


def email(
    kind: str, role: str, language: str | None, *attachments: str, status: str = "sent"
) -> Email:
    file = mail("<m@x>", language, *attachments) if language else None
    return Email(AUTHORIZATION, kind, role, status, file)


@pytest.mark.parametrize(
    ("told", "line"),
    [
        (
            email("authorization_granted", "beneficiary", "en", "AT26-0000001-8-A1.pdf"),
            "email authorization_granted to the beneficiary (en): sent, with AT26-0000001-8-A1.pdf",
        ),
        (
            email("deposit_confirmation", "employer", "fr"),
            "email deposit_confirmation to the employer (fr): sent",
        ),
        (
            email("documents_requested", "employer", None, status="failed"),
            "email documents_requested to the employer (?): failed",
        ),
        (
            email("k", "employer", "fr", "a.pdf", "b.pdf"),
            "email k to the employer (fr): sent, with a.pdf, b.pdf",
        ),
    ],
)
def test_an_email_line_says_kind_recipient_language_status_and_attachment(
    told: Email, line: str
) -> None:
    assert email_line(told) == line


def test_a_dossiers_lines_give_its_state_documents_then_emails() -> None:
    granted, other = stories(DOSSIERS, DOCUMENTS, EMAILS, MAILS, [])
    assert dossier_lines(granted) == [
        f"  {GRANTED}  granted              pf-nanterre",
        f"      document {AUTHORIZATION}.pdf (authorization)",
        "      email deposit_confirmation to the employer (fr): sent",
        "      email authorization_granted to the employer (fr): sent",
        "      email authorization_granted to the beneficiary (en): sent",
    ]
    assert dossier_lines(other)[0] == f"  {OTHER}  routed               pf-bobigny"


def test_a_dossier_without_platform_ends_its_line_with_its_state() -> None:
    (alone,) = stories([DossierRow(OTHER, "withdrawn", None)], [], [], {}, [])
    assert dossier_lines(alone) == [f"  {OTHER}  withdrawn"]
