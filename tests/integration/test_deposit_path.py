"""A submission from the portal's exchange to the deposit email and the platform's case file,
over the real broker, a real database (SQLite and PostgreSQL) and a real SMTP server."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.support.world import World, by_type, error_codes, expected_rows, finding_codes
from workers.core.store import Store
from workers.core.topology import REASON_HEADER, SUBMISSIONS_REJECTED_QUEUE

pytestmark = [pytest.mark.timeout(180), pytest.mark.rabbitmq]


def test_every_sample_gets_the_outcome_its_row_expects(world: World) -> None:
    rows = expected_rows()
    for row in rows:
        world.publish(row.body)
    deposited = [r for r in rows if r.outcome == "deposited"]
    rejected = [r for r in rows if r.outcome == "rejected"]
    emails = len(rows)
    events, mails = world.settle(emails, 2 * len(deposited) + len(rejected) + emails)

    grouped = by_type(events)
    deposits = {
        e.json["data"]["submission_id"]: e.json["data"] for e in grouped["dossier.deposited"]
    }
    routes = {e.json["data"]["dossier_number"]: e for e in grouped["dossier.routed"]}
    refusals = {
        e.json["data"]["submission_id"]: e.json["data"] for e in grouped["dossier.rejected"]
    }
    case_files = world.portal.collect(world.cases, until=len(deposited))
    cases = {c.json["data"]["dossier_number"]: c for c in case_files}
    for row in deposited:
        data = deposits[row.id]
        number = data["dossier_number"]
        assert finding_codes(data) == row.codes, row.file
        assert routes[number].json["data"]["platform"] == row.platform, row.file
        assert routes[number].routing_key == f"dossier.routed.{row.platform}"
        assert cases[number].routing_key == row.platform
        assert cases[number].json["data"]["submission"]["employer"]["address"]["postcode"]
    for row in rejected:
        assert error_codes(refusals[row.id]) == row.codes, row.file
    assert len(grouped["dossier.deposited"]) == len(deposited)
    assert len(grouped["dossier.rejected"]) == len(rejected)

    kinds = Counter((m["X-Permis-Kind"], m["X-Permis-Dossier"]) for m in mails)
    assert len(mails) == emails and max(kinds.values()) == 1
    assert {
        m["X-Permis-Dossier"] for m in mails if m["X-Permis-Kind"] == "submission_rejected"
    } == {r.id for r in rejected}
    assert len(grouped["email.sent"]) == emails

    kept = world.portal.drain(SUBMISSIONS_REJECTED_QUEUE)
    assert sorted(k.headers[REASON_HEADER] for k in kept) == sorted(
        next(iter(r.codes)).split(":")[0] for r in rejected
    )


def test_a_redelivered_submission_has_one_effect_and_a_bad_body_does_not_stop_the_next(
    world: World,
) -> None:
    rows = {r.file.split("/")[-1][:2]: r for r in expected_rows()}
    first, second = rows["01"], rows["02"]
    changed = json.loads(first.body)
    changed["data"]["job"]["title"] = "Autre emploi"

    world.publish(first.body)
    world.publish(first.body)
    world.publish(b"\x00\x01 not json at all")
    world.publish(json.dumps(changed).encode())
    world.publish(second.body)
    events, mails = world.settle(emails=2, events=2 * 2 + 1 + 2)

    grouped = by_type(events)
    assert sorted(e.json["data"]["submission_id"] for e in grouped["dossier.deposited"]) == sorted(
        [first.id, second.id]
    )
    (malformed,) = grouped["dossier.rejected"]
    assert malformed.json["data"]["errors"][0]["code"] == "malformed"
    assert malformed.json["data"]["submission_id"] is None
    assert sorted(m["X-Permis-Kind"] for m in mails) == ["deposit_confirmation"] * 2

    kept = world.portal.collect(SUBMISSIONS_REJECTED_QUEUE, until=2)
    assert sorted(k.headers[REASON_HEADER] for k in kept) == ["conflict", "malformed"]
    assert any(k.body == b"\x00\x01 not json at all" for k in kept)

    store = Store.from_url(world.settings.database_url)
    with store.transaction() as tx:
        assert tx.count_dossiers() == 2
    store.dispose()


def test_a_relay_refusing_the_address_fails_the_email_for_good_and_the_dossier_goes_on(
    world: World,
) -> None:
    world.smtp.handler.refuse = ("rcpt", "550 5.1.1 no such mailbox")
    first = expected_rows()[0]
    world.publish(first.body)
    events, mails = world.settle(emails=0, events=3)

    grouped = by_type(events)
    assert mails == []
    (failed,) = grouped["email.failed"]
    assert failed.json["data"]["kind"] == "deposit_confirmation"
    assert "550" in failed.json["data"]["reason"]
    assert "@" not in failed.json["data"]["reason"]
    assert len(grouped["dossier.routed"]) == 1
