"""A message redelivered after an attempt that committed and died before publishing: the
redelivery publishes what that attempt left, once its hold has lapsed."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import timedelta

import pytest

from messages.tasks import TakeInPortalMessage
from tests.support.harness import Harness
from tests.support.world import expected_rows
from workers.core.outbox import CLAIM_LEASE_S
from workers.core.topology import REASON_HEADER, SUBMISSIONS_REJECTED_QUEUE
from workers.intake.actor import take_in

pytestmark = pytest.mark.timeout(120)


class Died(Exception):
    """The worker died between its commit and its publication."""


class DyingRelay:
    def settle(self, *args: object, **kwargs: object) -> None:
        raise Died


def test_a_conflicting_redelivery_also_publishes_the_copy_a_dead_attempt_left(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    body = expected_rows()[0].body
    harness.submit(body)
    harness.run()
    changed = json.loads(body)
    changed["data"]["job"]["title"] = "Autre emploi"
    payload = TakeInPortalMessage(body=json.dumps(changed), headers={}).model_dump(mode="json")
    services = harness.pipeline.services
    with pytest.raises(Died):
        take_in(dataclasses.replace(services, relay=DyingRelay()), payload)

    harness.clock.set(
        harness.clock() + timedelta(seconds=CLAIM_LEASE_S + 1)
    )  # the dead one's hold lapsed
    with caplog.at_level(logging.WARNING, logger="workers.core.outbox"):
        take_in(services, payload)

    (late,) = [r for r in caplog.records if r.name == "workers.core.outbox"]
    assert late.getMessage() == "published what an earlier attempt left pending"
    assert late.__dict__["count"] == 1
    kept = [p for p in harness.publisher.on("") if p.routing_key == SUBMISSIONS_REJECTED_QUEUE]
    assert [p.headers[REASON_HEADER] for p in kept] == ["conflict", "conflict"]
    with services.store.transaction() as tx:
        assert tx.claim_outbox(now=harness.clock(), lease_s=CLAIM_LEASE_S) == []
