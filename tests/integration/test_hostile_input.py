"""Hostile portal messages over the real broker: each is answered and kept, and the pipeline
keeps going (CONTRACTS.md §1, §2.1)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.support.world import World, by_type
from workers.core.topology import REASON_HEADER, SUBMISSIONS_REJECTED_QUEUE

pytestmark = [pytest.mark.timeout(180), pytest.mark.rabbitmq]

SAMPLE = SAMPLES / "submissions" / "01-employee-cdi-introduction-paris.json"


def sample(**changes: Any) -> dict[str, Any]:
    body = json.loads(SAMPLE.read_text())
    body["id"] = str(uuid.uuid4())
    for pointer, value in changes.items():
        target = body["data"]
        *path, last = pointer.split("__")
        for key in path:
            target = target[key]
        target[last] = value
    return body


def encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def nested(depth: int) -> bytes:
    head = json.dumps(sample())[:-1]
    return (head + ', "x": ' + "[" * depth + "]" * depth + "}").encode()


MALFORMED = {
    "too_large": encoded(sample(padding="x" * (600 * 1024))),
    "not_utf8": '{"é": 1}'.encode("latin-1"),
    "not_json": b'{"specversion": "1.0", NaN}',
    "too_deep": nested(200_000),
    "not_cloudevent": b'["specversion", "1.0"]',
}


def test_malformed_bodies_are_answered_kept_and_do_not_stop_the_next(world: World) -> None:
    for body in MALFORMED.values():
        world.publish(body)
    valid = sample()
    world.publish(encoded(valid))
    events, mails = world.settle(emails=1, events=len(MALFORMED) + 3)

    grouped = by_type(events)
    reasons = sorted(e.json["data"]["errors"][0]["detail"] for e in grouped["dossier.rejected"])
    assert reasons == sorted(["too_large", "not_utf8", "not_json", "not_json", "not_cloudevent"])
    assert [e.json["data"]["submission_id"] for e in grouped["dossier.deposited"]] == [valid["id"]]
    kept = world.portal.collect(SUBMISSIONS_REJECTED_QUEUE, until=len(MALFORMED))
    assert {k.headers[REASON_HEADER] for k in kept} == {"malformed"}
    assert sorted(k.body for k in kept) == sorted(MALFORMED.values())
    assert [m["X-Permis-Kind"] for m in mails] == ["deposit_confirmation"]


def test_hostile_text_is_refused_or_kept_as_text_and_never_reaches_a_header(world: World) -> None:
    injected = sample(employer__name="Acme\r\nBcc: victim@example.org")
    html = sample(employer__name="<script>alert(1)</script> & Fils SARL")
    decomposed = sample(employee__last_name="Ngue\u0301ma")
    crowded = sample(unknown=list(range(50_000)))
    for body in (injected, html, decomposed, crowded):
        world.publish(encoded(body))
    events, mails = world.settle(emails=4, events=1 + 3 * 2 + 4)

    grouped = by_type(events)
    (refused,) = grouped["dossier.rejected"]
    assert refused.json["data"]["errors"] == [
        {**refused.json["data"]["errors"][0], "code": "schema", "pointer": "/data/employer/name"}
    ]
    deposited = {e.json["data"]["submission_id"] for e in grouped["dossier.deposited"]}
    assert deposited == {html["id"], decomposed["id"], crowded["id"]}

    cases = {
        c.json["data"]["submission"]["employee"]["last_name"]
        for c in world.portal.collect(world.cases, until=len(deposited))
    }
    assert "Nguéma" in cases  # composed (NFC)
    for mail in mails:
        assert "Bcc" not in mail and "victim" not in str(mail["To"])
    (confirmation,) = [m for m in mails if "script" in m.get_body(("plain",)).get_content()]
    assert "<script>alert(1)</script>" in confirmation.get_body(("plain",)).get_content()
    html_part = confirmation.get_body(("html",)).get_content()
    assert "&lt;script&gt;" in html_part and "<script>" not in html_part
