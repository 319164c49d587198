"""An agent's signed decision from `permis.decisions` to the documents and the letters of both
parties, over the real broker, a real database (SQLite and PostgreSQL) and a real SMTP server."""

from __future__ import annotations

import hashlib
import json
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import SAMPLES
from tests.support.world import World, by_type
from workers.seal.keys import SEAL_CERT_FILE, load_certificate
from workers.seal.reasons import Reason
from workers.seal.verify import verify_pdf
from workers.signatures.keys import private_key_for
from workers.signatures.verify import sign

pytestmark = [pytest.mark.timeout(180), pytest.mark.rabbitmq]

SUBMISSIONS = SAMPLES / "submissions"
DECISIONS = SAMPLES / "decisions"


def deposit(world: World, sample: str) -> str:
    """Publish a sample submission and return its dossier number once it is routed."""
    world.publish((SUBMISSIONS / sample).read_bytes())
    events, _ = world.settle(emails=1, events=3)
    (routed,) = by_type(events)["dossier.routed"]
    return str(routed.json["data"]["dossier_number"])


def decision(name: str, number: str, **changes: object) -> bytes:
    body = json.loads((DECISIONS / name).read_text().replace("<DOSSIER_NUMBER>", number))
    body["id"] = str(uuid.uuid4())
    body["data"].update(changes)
    return json.dumps(body).encode()


def signed(body: bytes, keys_dir: Path, platform: str) -> dict[str, str]:
    key_id, key = private_key_for(keys_dir, platform)
    return {"signature-key-id": key_id, "signature": sign(body, key)}


def attachment_names(mail: EmailMessage) -> list[str]:
    return [part.get_filename() or "" for part in mail.iter_attachments()]


def test_a_signed_grant_issues_the_authorization_and_writes_to_both_parties(
    world: World, keys_dir: Path
) -> None:
    number = deposit(world, "01-employee-cdi-introduction-paris.json")
    body = decision("granted.json", number)
    world.publish_decision(body, signed(body, keys_dir, "pf-nanterre"))
    events, mails = world.settle(emails=2, events=1 + 1 + 2)

    grouped = by_type(events)
    (granted,) = grouped["dossier.granted"]
    assert granted.routing_key == "dossier.granted.pf-nanterre"
    assert granted.json["data"]["authorization_number"] == f"{number}-A1"
    assert granted.json["data"]["valid_from"] == "2027-02-15"
    (issued,) = grouped["document.issued"]
    assert issued.json["data"]["kind"] == "authorization"
    roles = sorted(m["To"] for m in mails)
    assert roles == ["recrutement@quantiq-analytics.example", "sai.reddy@mail.example"]
    for mail in mails:
        assert mail["X-Permis-Kind"] == "authorization_granted"
        assert attachment_names(mail) == [f"{number}-A1.pdf"]
        (pdf,) = mail.iter_attachments()
        verdict = verify_pdf(pdf.get_content(), load_certificate(keys_dir / SEAL_CERT_FILE))
        assert verdict.genuine and verdict.payload is not None, verdict
        assert verdict.payload.doc == f"{number}-A1" and verdict.payload.dossier == number
        assert str(verdict.payload.valid_from) == "2027-02-15"
        assert issued.json["data"]["sha256"] == hashlib.sha256(pdf.get_content()).hexdigest()

    world.publish_decision(body, signed(body, keys_dir, "pf-nanterre"))
    events, mails = world.settle(emails=0, events=0)
    assert events == [] and mails == []


def test_a_signed_refusal_sends_the_refusal_letter_to_both_parties(
    world: World, keys_dir: Path
) -> None:
    number = deposit(world, "06-employee-findings-merignac.json")
    body = decision("refused.json", number)
    world.publish_decision(body, signed(body, keys_dir, "pf-tulle"))
    events, mails = world.settle(emails=2, events=1 + 1 + 2)

    grouped = by_type(events)
    assert [e.routing_key for e in grouped["dossier.refused"]] == ["dossier.refused.pf-tulle"]
    assert grouped["document.issued"][0].json["data"]["kind"] == "refusal"
    assert sorted(m["X-Permis-Kind"] for m in mails) == ["authorization_refused"] * 2
    assert all(attachment_names(m) == [f"{number}-R1.pdf"] for m in mails)
    # Sealed too, though no authorization: the signature holds, there is no code to read.
    (letter,) = mails[0].iter_attachments()
    verdict = verify_pdf(letter.get_content(), load_certificate(keys_dir / SEAL_CERT_FILE))
    assert verdict.reason is Reason.NO_SEAL_CODE


def test_a_request_for_documents_goes_to_the_employer_with_the_request(
    world: World, keys_dir: Path
) -> None:
    number = deposit(world, "03-seasonal-worker-introduction-lot-et-garonne.json")
    body = decision("documents-requested.json", number)
    world.publish_decision(body, signed(body, keys_dir, "pf-avignon"))
    events, mails = world.settle(emails=1, events=1 + 1 + 1)

    (requested,) = by_type(events)["dossier.documents_requested"]
    assert requested.json["data"]["respond_by"]
    (mail,) = mails
    assert mail["X-Permis-Kind"] == "documents_requested"
    assert attachment_names(mail) == [f"{number}-D1.pdf"]


def forged_headers(body: bytes, keys_dir: Path) -> dict[str, dict[str, str]]:
    own = signed(body, keys_dir, "pf-nanterre")
    stranger = Ed25519PrivateKey.generate()
    return {
        "signature_missing": {},
        "signature_invalid": {**own, "signature": sign(body + b" ", stranger)},
        "key_unknown": {
            "signature-key-id": "pf-nanterre-19700101-dead",
            "signature": own["signature"],
        },
        "key_platform_mismatch": signed(body, keys_dir, "pf-tulle"),
    }


def test_forged_misaddressed_and_late_decisions_are_refused_and_change_nothing(
    world: World, keys_dir: Path
) -> None:
    number = deposit(world, "01-employee-cdi-introduction-paris.json")
    body = decision("granted.json", number)
    for code, headers in forged_headers(body, keys_dir).items():
        world.publish_decision(body, headers)
        events, mails = world.settle(emails=0, events=1)
        (rejected,) = [e.json["data"] for e in events]
        assert rejected["errors"][0]["code"] == code, code
        assert mails == []

    other = decision("refused.json", number, platform="pf-tulle")
    world.publish_decision(other, signed(other, keys_dir, "pf-tulle"))
    events, _ = world.settle(emails=0, events=1)
    assert [e.routing_key for e in events] == ["decision.rejected.pf-tulle"]
    assert events[0].json["data"]["errors"][0]["code"] == "platform_mismatch"

    world.publish_decision(body, signed(body, keys_dir, "pf-nanterre"))
    world.settle(emails=2, events=4)
    late = decision("refused.json", number, platform="pf-nanterre")
    world.publish_decision(late, signed(late, keys_dir, "pf-nanterre"))
    events, mails = world.settle(emails=0, events=1)
    assert [e.json["type"] for e in events] == ["fr.permis.decision.rejected"]
    assert events[0].json["data"]["errors"][0]["code"] == "dossier_final"
    assert mails == []


def portal_message(kind: str, number: str, **data: object) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/portal",
            "type": f"fr.gouv.etrangers.work_authorization.{kind}",
            "time": "2026-12-01T10:00:00+01:00",
            "data": {"dossier_number": number, **data},
        }
    ).encode()


def test_a_transfer_reroutes_the_case_and_the_employer_may_then_withdraw(
    world: World, keys_dir: Path
) -> None:
    number = deposit(world, "01-employee-cdi-introduction-paris.json")
    body = decision("granted.json", number)
    envelope = json.loads(body)
    envelope["type"] = "fr.gouv.etrangers.work_authorization.transferred"
    envelope["data"] = {
        "dossier_number": number,
        "platform": "pf-nanterre",
        "agent_id": "nanterre-agent-0142",
        "to_platform": "pf-bobigny",
        "reason": "Établissement rattaché à la Seine-Saint-Denis",
    }
    transfer = json.dumps(envelope).encode()
    world.publish_decision(transfer, signed(transfer, keys_dir, "pf-nanterre"))
    events, mails = world.settle(emails=1, events=3)

    grouped = by_type(events)
    assert [e.routing_key for e in grouped["dossier.transferred"]] == [
        "dossier.transferred.pf-nanterre"
    ]
    (routed,) = grouped["dossier.routed"]
    assert routed.routing_key == "dossier.routed.pf-bobigny"
    assert routed.json["data"]["from_platform"] == "pf-nanterre"
    assert routed.json["data"]["rule"]["name"] == "transfer"
    cases = world.portal.collect(world.cases, until=2)
    assert [c.routing_key for c in cases] == ["pf-nanterre", "pf-bobigny"]
    assert [m["X-Permis-Kind"] for m in mails] == ["dossier_transferred"]

    world.publish(portal_message("withdrawn", number))
    events, mails = world.settle(emails=1, events=2)
    assert [e.routing_key for e in by_type(events)["dossier.withdrawn"]] == [
        "dossier.withdrawn.pf-bobigny"
    ]
    assert [m["X-Permis-Kind"] for m in mails] == ["dossier_closed"]

    world.publish(portal_message("withdrawn", number))
    world.publish(portal_message("documents_supplied", "AT26-9999999-0", documents=[]))
    events, mails = world.settle(emails=0, events=2)
    codes = sorted(e.json["data"]["errors"][0]["code"] for e in events)
    assert codes == ["dossier_final", "unknown_dossier"] and mails == []
