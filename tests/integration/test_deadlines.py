"""The silence deadline with a moved clock, on both databases: warning, implicit refusal,
implicit grant for an asylum seeker, suspension while documents are awaited, one sweeper."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from tests.conftest import SAMPLES
from tests.support.harness import Harness

FILED = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)  # deadline: 2027-01-20


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00:00+00:00")


@pytest.fixture
def harness_start() -> datetime:
    return FILED


def deposit(harness: Harness, sample: str) -> str:
    body = (SAMPLES / "submissions" / sample).read_bytes()
    harness.submit(body)
    harness.run()
    submission_id = json.loads(body)["id"]
    (deposited,) = [
        e
        for e in harness.events("dossier.deposited")
        if e["data"]["submission_id"] == submission_id
    ]
    return str(deposited["data"]["dossier_number"])


def request_documents(harness: Harness, number: str) -> None:
    text = (SAMPLES / "decisions" / "documents-requested.json").read_text()
    body = json.loads(text.replace("<DOSSIER_NUMBER>", number))
    body["data"]["platform"] = "pf-nanterre"
    body["source"] = "/platforms/pf-nanterre"
    body["time"] = "2026-12-01T10:00:00+01:00"
    body["data"].pop("respond_by", None)  # default: 30 days after the message's day
    harness.decide(json.dumps(body).encode(), "pf-nanterre")
    harness.run()


def test_the_deadline_is_announced_once_ten_days_before(harness: Harness) -> None:
    number = deposit(harness, "01-employee-cdi-introduction-paris.json")
    harness.clock.set(at("2027-01-09"))
    assert harness.sweep().done == {}
    harness.clock.set(at("2027-01-10"))
    assert harness.sweep().done == {"warn": 1}
    assert harness.sweep().done == {}
    (warning,) = harness.events("dossier.deadline_approaching")
    assert warning["data"] == {
        "dossier_number": number,
        "platform": "pf-nanterre",
        "deadline": "2027-01-20",
    }
    assert harness.state(number) == "routed"


def test_silence_past_the_deadline_refuses_and_sends_the_notice_to_both(harness: Harness) -> None:
    number = deposit(harness, "01-employee-cdi-introduction-paris.json")
    harness.clock.set(at("2027-01-20"))
    harness.sweep()
    assert harness.state(number) == "routed"
    harness.clock.set(at("2027-01-21"))
    assert harness.sweep().done == {"implicit_decision": 1}
    harness.run()

    assert harness.state(number) == "implicitly_refused"
    (refused,) = harness.events("dossier.implicitly_refused")
    assert refused["data"]["deadline"] == "2027-01-20"
    (issued,) = harness.events("document.issued")
    assert issued["data"]["document_number"] == f"{number}-I1"
    notices = [m for m in harness.emails() if m["X-Permis-Kind"] == "implicit_refusal"]
    assert sorted(m["To"] for m in notices) == [
        "recrutement@quantiq-analytics.example",
        "sai.reddy@mail.example",
    ]
    assert all(
        [p.get_filename() for p in m.iter_attachments()] == [f"{number}-I1.pdf"] for m in notices
    )
    assert harness.sweep().done == {}


def test_silence_grants_an_asylum_seekers_request_with_its_authorization(harness: Harness) -> None:
    number = deposit(harness, "05-asylum-seeker-provisional-cayenne.json")
    harness.clock.set(at("2027-01-21"))
    harness.sweep()
    harness.run()

    assert harness.state(number) == "implicitly_granted"
    assert len(harness.events("dossier.implicitly_granted")) == 1
    (issued,) = harness.events("document.issued")
    assert issued["data"]["kind"] == "authorization"
    letters = [m for m in harness.emails() if m["X-Permis-Kind"] == "authorization_granted"]
    assert letters and all(
        [p.get_filename() for p in m.iter_attachments()] == [f"{number}-A1.pdf"] for m in letters
    )


def test_awaiting_documents_suspends_the_deadline_and_a_late_answer_is_announced(
    harness: Harness,
) -> None:
    number = deposit(harness, "01-employee-cdi-introduction-paris.json")
    request_documents(harness, number)
    assert harness.state(number) == "awaiting_documents"

    harness.clock.set(at("2027-02-15"))
    assert harness.sweep().done == {"response_overdue": 1}
    assert harness.sweep().done == {}
    assert harness.state(number) == "awaiting_documents"
    (overdue,) = harness.events("dossier.response_overdue")
    assert overdue["data"]["respond_by"] == "2026-12-31"

    supplied = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/portal",
        "type": "fr.gouv.etrangers.work_authorization.documents_supplied",
        "time": "2027-02-15T09:00:00+01:00",
        "data": {"dossier_number": number, "documents": []},
    }
    harness.submit(json.dumps(supplied).encode())
    harness.run()
    assert harness.state(number) == "routed"
    (restarted,) = harness.events("dossier.documents_supplied")
    assert restarted["data"]["deadline"] == "2027-04-15"
    harness.clock.set(at("2027-04-15"))
    assert harness.sweep().done == {"warn": 1}  # the restarted deadline is announced too
    harness.clock.set(at("2027-04-16"))
    assert harness.sweep().done == {"implicit_decision": 1}


def test_only_one_sweeper_works_at_a_time(harness: Harness) -> None:
    assert harness.sweep("first").held_lease
    assert not harness.sweep("second").held_lease
    assert harness.sweep("first").held_lease
