"""A submission from the portal's exchange to the deposit email and the platform's case file,
over the real broker, a real database (SQLite and PostgreSQL) and a real SMTP server."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from config.settings import Settings
from tests.conftest import SAMPLES
from tests.support.amqp import Party, Received
from tests.support.smtp import HOST, Relay, wait_for_messages
from workers.bootstrap import bootstrap
from workers.core.store import Store
from workers.core.topology import (
    CASES_EXCHANGE,
    EVENTS_EXCHANGE,
    REASON_HEADER,
    SUBMISSIONS_EXCHANGE,
    SUBMISSIONS_REJECTED_QUEUE,
)
from workers.inprocess import serving
from workers.supervisor import prepare

pytestmark = [pytest.mark.timeout(180), pytest.mark.rabbitmq]


@dataclass(frozen=True)
class Expected:
    """One row of the samples' expected.csv."""

    file: str
    outcome: str
    platform: str
    codes: Counter[str]

    @property
    def body(self) -> bytes:
        return (SAMPLES / self.file).read_bytes()

    @property
    def id(self) -> str:
        return str(json.loads(self.body)["id"])


def expected_rows() -> list[Expected]:
    with (SAMPLES / "expected.csv").open(newline="") as f:
        return [
            Expected(
                r["file"], r["outcome"], r["platform"], Counter(filter(None, r["codes"].split("|")))
            )
            for r in csv.DictReader(f)
        ]


@dataclass
class World:
    """The pipeline running in-process, and a portal-side client on the same vhost."""

    settings: Settings
    portal: Party
    events: str
    cases: str
    smtp: Relay

    def publish(self, body: bytes) -> None:
        self.portal.publish(SUBMISSIONS_EXCHANGE, body)

    def settle(self, emails: int, events: int) -> tuple[list[Received], list]:
        mails = wait_for_messages(self.smtp, emails)
        got = self.portal.collect(self.events, until=events)
        time.sleep(0.5)  # anything extra would show now
        return got + self.portal.drain(self.events), mails + self.smtp.handler.messages[
            len(mails) :
        ]


@pytest.fixture
def world(vhost: str, database_url: str, smtp: Relay) -> Iterator[World]:
    settings = Settings(
        broker_url=vhost, database_url=database_url, smtp_host=HOST, smtp_port=smtp.port
    )
    prepare(settings)
    portal = Party(vhost)
    events, cases = portal.listen(EVENTS_EXCHANGE), portal.listen(CASES_EXCHANGE)
    with serving(bootstrap(settings)):
        yield World(settings, portal, events, cases, smtp)
    portal.close()


def by_type(events: list[Received]) -> dict[str, list[Received]]:
    grouped: dict[str, list[Received]] = {}
    for event in events:
        grouped.setdefault(event.json["type"].removeprefix("fr.permis."), []).append(event)
    return grouped


def finding_codes(data: dict) -> Counter[str]:
    return Counter(
        f"{f['code']}:{f['detail']}" if f["code"] == "missing_document" else f["code"]
        for f in data["findings"]
    )


def error_codes(data: dict) -> Counter[str]:
    return Counter(
        f"schema:{e['pointer']}" if e["code"] == "schema" else e["code"] for e in data["errors"]
    )


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
    cases = {c.json["data"]["dossier_number"]: c for c in world.portal.drain(world.cases)}
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
