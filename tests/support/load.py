"""A steady load on `permis run`, as the portal and a platform make it, and what it became.

The portal publishes submissions at a fixed rate with publisher confirms and, like a
real client, publishes a message again when the broker went away before confirming it.
The platform grants every n-th dossier once it is routed. ``Outcome`` then reads the
database and the SMTP server: which dossiers exist and in which state, which emails
arrived, and how many of them twice (always with the same Message-ID, or it is a bug).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pika
import pika.exceptions
import sqlalchemy

from messages.envelope import CONTENT_TYPE
from tests.support import samples
from workers.core.amqp import node_parameters
from workers.core.store.database import engine_url
from workers.core.topology import DECISIONS_EXCHANGE, SUBMISSIONS_EXCHANGE
from workers.signatures.keys import private_key_for
from workers.signatures.verify import sign

SAMPLES = Path(__file__).resolve().parents[2] / "messages" / "samples"
SAMPLE = "01-employee-cdi-introduction-paris.json"
PLATFORM = "pf-nanterre"  # where the sample submission goes
BROKER_GONE = (pika.exceptions.AMQPError, OSError)
DATABASE_GONE = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)


class Publisher:
    """One confirmed channel that reconnects and publishes again until the broker confirms."""

    def __init__(self, url: str, stop: threading.Event) -> None:
        self.url = url
        self.stop = stop
        self.connection: pika.BlockingConnection | None = None
        self.channel: Any = None
        self.republished = 0

    def publish(self, exchange: str, body: bytes, headers: dict[str, str] | None = None) -> bool:
        props = pika.BasicProperties(content_type=CONTENT_TYPE, delivery_mode=2, headers=headers)
        attempted = False
        while not self.stop.is_set():
            try:
                if self.channel is None:
                    self._connect()
                if attempted:
                    self.republished += 1
                attempted = True
                self.channel.basic_publish(exchange, "", body, props, mandatory=True)
                return True
            except BROKER_GONE:
                self.close()
                self.stop.wait(0.5)
        return False

    def _connect(self) -> None:
        self.connection = pika.BlockingConnection(node_parameters(self.url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def close(self) -> None:
        try:
            if self.connection is not None and self.connection.is_open:
                self.connection.close()
        except BROKER_GONE:
            pass
        self.connection = self.channel = None


def submission(submission_id: str) -> bytes:
    """Sample 01 filed today, so that the deadline sweep of ``permis run`` leaves it alone."""
    body = samples.filed_today(SAMPLE)
    body["id"] = submission_id
    body["time"] = datetime.now(UTC).isoformat(timespec="seconds")
    return json.dumps(body).encode()


def grant(number: str, keys: Path) -> tuple[bytes, dict[str, str]]:
    text = (SAMPLES / "decisions" / "granted.json").read_text().replace("<DOSSIER_NUMBER>", number)
    body = json.loads(text)
    body["id"] = str(uuid.uuid4())
    raw = json.dumps(body).encode()
    key_id, key = private_key_for(keys, PLATFORM)
    return raw, {"signature-key-id": key_id, "signature": sign(raw, key)}


class Party(threading.Thread):
    """A thread playing the portal or a platform; ``error`` holds what stopped it, if any."""

    error: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:
            self.error = exc
            raise

    def work(self) -> None:
        raise NotImplementedError


class Portal(Party):
    """Publishes ``count`` submissions at ``rate`` per second; ``sent`` holds their ids."""

    def __init__(self, url: str, rate: float, count: int) -> None:
        super().__init__(daemon=True, name="portal")
        self.rate, self.count = rate, count
        self.tag = uuid.uuid4().hex[:8]
        self.stop = threading.Event()
        self.publisher = Publisher(url, self.stop)
        self.sent: list[str] = []
        self.published_at: dict[str, float] = {}  # time.monotonic() of each confirm

    def work(self) -> None:
        started = time.monotonic()
        for n in range(self.count):
            pause = started + n / self.rate - time.monotonic()
            if pause > 0 and self.stop.wait(pause):
                break
            submission_id = f"load-{self.tag}-{n}"
            if not self.publisher.publish(SUBMISSIONS_EXCHANGE, submission(submission_id)):
                break
            self.published_at[submission_id] = time.monotonic()
            self.sent.append(submission_id)
        self.publisher.close()


class Platform(Party):
    """Grants every ``every``-th dossier it finds routed in the database, with a signed decision."""

    def __init__(self, url: str, database_url: str, keys: Path, every: int) -> None:
        super().__init__(daemon=True, name="platform")
        self.keys, self.every = keys, every
        self.engine = sqlalchemy.create_engine(engine_url(database_url))
        self.stop = threading.Event()
        self.publisher = Publisher(url, self.stop)
        self.seen: set[str] = set()
        self.granted: list[str] = []

    def work(self) -> None:
        while not self.stop.wait(0.3):
            try:
                routed = self._routed()
            except DATABASE_GONE:
                continue
            for number in routed:
                self.seen.add(number)
                if len(self.seen) % self.every == 0:
                    body, headers = grant(number, self.keys)
                    if not self.publisher.publish(DECISIONS_EXCHANGE, body, headers):
                        return
                    self.granted.append(number)
        self.publisher.close()
        self.engine.dispose()

    def _routed(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT number FROM dossiers WHERE state = 'routed' ORDER BY number"
            )
            return [row[0] for row in rows if row[0] not in self.seen]


@dataclass
class Outcome:
    """What the load became: dossiers by submission, and the emails the relay accepted."""

    sent: list[str]
    granted: list[str]
    state_of: dict[str, str] = field(default_factory=dict)  # submission id -> dossier state
    number_of: dict[str, str] = field(default_factory=dict)  # submission id -> dossier number
    message_ids: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    deliveries: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    pending_outbox: int = 0
    republished: int = 0  # submissions the portal published again, unconfirmed the first time
    settled_s: float = 0.0  # from the end of the load to every expected email in
    recovered_s: float | None = None  # from the fault to the first new dossier completed

    @classmethod
    def read(
        cls, portal: Portal, platform: Platform, database_url: str, mails: list[EmailMessage]
    ) -> Outcome:
        outcome = cls(list(portal.sent), list(platform.granted))
        outcome.republished = portal.publisher.republished
        engine = sqlalchemy.create_engine(engine_url(database_url))
        try:
            with engine.connect() as conn:
                for submission_id, number, state in conn.exec_driver_sql(
                    "SELECT submission_id, number, state FROM dossiers"
                ):
                    outcome.number_of[submission_id] = number
                    outcome.state_of[submission_id] = state
                outcome.pending_outbox = conn.exec_driver_sql(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                ).scalar_one()
        finally:
            engine.dispose()
        ids: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for mail in mails:
            key = (str(mail["X-Permis-Dossier"]), str(mail["X-Permis-Kind"]), str(mail["To"]))
            ids[key].add(str(mail["Message-ID"]))
            outcome.deliveries[key] += 1
        outcome.message_ids = dict(ids)
        return outcome

    def lost_dossiers(self) -> list[str]:
        return [s for s in self.sent if s not in self.number_of]

    def wrong_states(self) -> dict[str, str]:
        granted = set(self.granted)
        wrong = {}
        for submission_id in self.sent:
            number = self.number_of.get(submission_id)
            if number is None:
                continue
            expected = "granted" if number in granted else "routed"
            if self.state_of[submission_id] != expected:
                wrong[number] = f"{self.state_of[submission_id]}, expected {expected}"
        return wrong

    def emails_of(self, number: str, kind: str) -> int:
        return sum(1 for d, k, _ in self.message_ids if d == number and k == kind)

    def missing_emails(self) -> list[str]:
        missing = []
        for submission_id in self.sent:
            number = self.number_of.get(submission_id)
            if number is None:
                continue
            if self.emails_of(number, "deposit_confirmation") != 1:
                missing.append(f"{number} deposit_confirmation")
            if number in self.granted and self.emails_of(number, "authorization_granted") != 2:
                missing.append(f"{number} authorization_granted")
        return missing

    def unexpected_emails(self) -> list[tuple[str, str, str]]:
        """Emails nobody should have received: another kind, or for no dossier of the load."""
        numbers, granted = set(self.number_of.values()), set(self.granted)
        expected = {"deposit_confirmation"}
        return [
            (number, kind, to)
            for number, kind, to in self.message_ids
            if number not in numbers
            or not (kind in expected or (kind == "authorization_granted" and number in granted))
        ]

    def distinct_ids_per_email(self) -> dict[tuple[str, str, str], int]:
        """Emails that went out under more than one Message-ID: none may."""
        return {key: len(ids) for key, ids in self.message_ids.items() if len(ids) != 1}

    @property
    def expected_emails(self) -> int:
        return len(self.number_of) + 2 * len(self.granted)

    @property
    def resent(self) -> int:
        """Deliveries beyond the first of an email: the same Message-ID, as §8 allows."""
        return sum(self.deliveries.values()) - len(self.deliveries)

    def complete(self) -> bool:
        return (
            not self.lost_dossiers()
            and not self.wrong_states()
            and not self.missing_emails()
            and self.pending_outbox == 0
        )

    def summary(self) -> dict[str, int]:
        return {
            "submissions": len(self.sent),
            "dossiers": len(self.number_of),
            "grants": len(self.granted),
            "emails expected": self.expected_emails,
            "emails received": sum(self.deliveries.values()),
            "distinct emails": len(self.message_ids),
            "resent, same Message-ID": self.resent,
            "published again by the portal": self.republished,
        }
