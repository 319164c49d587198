"""The pipeline running in-process over a test vhost, and the parties around it."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage

from config.settings import Settings
from tests.conftest import SAMPLES
from tests.support.amqp import Party, Received
from tests.support.smtp import Relay, wait_for_messages
from workers.core.topology import DECISIONS_EXCHANGE, SUBMISSIONS_EXCHANGE


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

    seen_mails: int = field(default=0)

    def settle(self, emails: int, events: int) -> tuple[list[Received], list[EmailMessage]]:
        """The events and emails that came since the last settle, once the counts are reached."""
        wait_for_messages(self.smtp, self.seen_mails + emails)
        got = self.portal.collect(self.events, until=events)
        time.sleep(0.5)  # anything extra would show now
        mails = self.smtp.handler.messages[self.seen_mails :]
        self.seen_mails += len(mails)
        return got + self.portal.drain(self.events), mails

    def publish_decision(self, body: bytes, headers: dict[str, str]) -> None:
        self.portal.publish(DECISIONS_EXCHANGE, body, headers)


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
