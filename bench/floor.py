"""The floor: the broker, database and mail work Permis does per dossier, and nothing else.

    /tmp/v1/bin/python bench/floor.py [--url amqp://guest:guest@127.0.0.1:5672/VHOST]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--submissions N]
        [--rate R] [--grant-every 10] [--grant-burst N] [--threads 4] [--count-only]

The same hops as Permis, laid out as `permis run` lays them out: ingress (a pika consumer
of the two external queues) → intake → routing → mail for a deposit; ingress → decisions
→ documents → mail (twice) for a grant; one process per stage, each a dramatiq worker of
4 threads on Permis's own broker (quorum queues, publisher confirms, its middleware and
shared metrics). Each stage does the infrastructure work its Permis stage does per
dossier: the same transactions and statements on Permis's tables (created in a fresh
schema), its outbox rows written in the transaction and published with confirms after it
(Permis's outbox relay), the same events and case files on the topic exchanges, a
pre-built email of Permis's size sent with aiosmtplib over one kept connection (checked
with NOOP first, as Permis's transport does; the grant's carries the stored PDF), a PAdES
seal with pyHanko over a fixed PDF of an authorization's size. None of Permis's own work:
no validation or signature checks, rules, canonical digests, seal codes, templates, MIME
building or document layout. That is what bench/load.py compares Permis's figures with.

What each stage does per dossier (counted on Permis: one deposit and one grant through
the real pipeline with SQLAlchemy event listeners and wrapped publishers; `--count-only`
counts the floor the same way and checks it against this table):

| stage | tx | SELECT | INSERT | UPDATE | DELETE | dramatiq | events | cases | SMTP | PAdES |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| ingress (submission) | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 |
| intake | 2 | 1 | 5 | 1 | 0 | 2 | 1 | 0 | 0 | 0 |
| routing | 2 | 2 | 2 | 2 | 0 | 0 | 1 | 1 | 0 | 0 |
| mail (deposit email) | 3 | 1 | 3 | 1 | 0 | 0 | 1 | 0 | 1 | 0 |
| ingress (decision) | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 |
| decisions | 2 | 3 | 4 | 2 | 0 | 1 | 1 | 0 | 0 | 0 |
| documents | 3 | 2 | 2 | 1 | 0 | 2 | 1 | 0 | 0 | 1 |
| mail (2 grant emails) | 6 | 4 | 6 | 2 | 0 | 0 | 2 | 0 | 2 | 0 |

Every transaction also checks a pooled connection out with a pre-ping; every dramatiq send
and pika publish waits for the broker's confirm; every stage message is consumed and acked.

Without --url it makes a vhost of its own on the machine's RabbitMQ and deletes it after;
with it, it declares its exchanges and queues there and deletes them after. Its schema is
dropped and its processes stopped whatever fails. The last line of standard output is one
JSON object: floor deposits and grants per second, latencies, CPU per dossier, memory.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import aiosmtplib
import dramatiq
import sqlalchemy
from aiosmtpd.controller import Controller
from dramatiq.common import dq_name, xq_name
from pyhanko.pdf_utils import generic, writer
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import load  # noqa: E402

from tests.support.load import PLATFORM  # noqa: E402
from tests.support.processes import clean_env, stop, wait_until  # noqa: E402
from tests.support.rabbit import fresh_vhost  # noqa: E402
from tests.support.smtp import free_port  # noqa: E402
from workers.core.aio import LoopThread  # noqa: E402
from workers.core.amqp import AmqpPublisher, connect  # noqa: E402
from workers.core.broker import (  # noqa: E402
    ACTOR_DEFAULTS,
    DramatiqTasks,
    declare_stage_queues,
    make_broker,
)
from workers.core.clock import system_clock  # noqa: E402
from workers.core.emit import jsonable_headers  # noqa: E402
from workers.core.errors import TransientError  # noqa: E402
from workers.core.multiprocess import MULTIPROCESS_ENV  # noqa: E402
from workers.core.outbox import OutboxRelay  # noqa: E402
from workers.core.ports import Publisher, TaskQueue  # noqa: E402
from workers.core.stages import (  # noqa: E402
    DECIDE,
    ISSUE_DOCUMENT,
    ROUTE,
    SEND_EMAIL,
    STAGES,
    TAKE_IN,
    ActorRef,
)
from workers.core.store import OutboxMessage, Store, UnitOfWork  # noqa: E402
from workers.core.store import tables as t  # noqa: E402
from workers.core.store.database import engine_url  # noqa: E402
from workers.core.topology import (  # noqa: E402
    CASES_EXCHANGE,
    DECISIONS_QUEUE,
    EVENTS_EXCHANGE,
    EXCHANGES,
    QUEUES,
    SUBMISSIONS_QUEUE,
)
from workers.ingress.consumer import consume  # noqa: E402
from workers.seal.keys import (  # noqa: E402
    SEAL_CERT_FILE,
    SEAL_KEY_FILE,
    SealKey,
    generate_seal,
    load_seal_key,
)
from workers.seal.pdf import seal_pdf  # noqa: E402
from workers.signatures.keys import generate_keys  # noqa: E402

INGRESS = "ingress"
PROCESSES = (INGRESS, *STAGES)
SENDER = "permis@floor.example"
EMPLOYER, BENEFICIARY = "employer@floor.example", "beneficiary@floor.example"
DONE = ("sent", "failed")
OUTBOX_SWEEP_EVERY_S, OUTBOX_SWEEP_AGE_S = 5.0, 30.0  # Permis's relay interval and age
PDF_BYTES = 64_000  # its noise; sealed, the PDF is 75 kB, as Permis's authorization is
GENESIS_HASH = "0" * 64

COLUMNS = (
    *("tx", "SELECT", "INSERT", "UPDATE", "DELETE"),
    *("dramatiq", "events", "cases", "SMTP", "PAdES"),
)
PERMIS: dict[str, dict[str, int]] = {
    "ingress (submission)": {"dramatiq": 1},
    "intake": {"tx": 2, "SELECT": 1, "INSERT": 5, "UPDATE": 1, "dramatiq": 2, "events": 1},
    "routing": {"tx": 2, "SELECT": 2, "INSERT": 2, "UPDATE": 2, "events": 1, "cases": 1},
    "mail (deposit email)": {
        "tx": 3,
        "SELECT": 1,
        "INSERT": 3,
        "UPDATE": 1,
        "events": 1,
        "SMTP": 1,
    },
    "ingress (decision)": {"dramatiq": 1},
    "decisions": {"tx": 2, "SELECT": 3, "INSERT": 4, "UPDATE": 2, "dramatiq": 1, "events": 1},
    "documents": {
        "tx": 3,
        "SELECT": 2,
        "INSERT": 2,
        "UPDATE": 1,
        "dramatiq": 2,
        "events": 1,
        "PAdES": 1,
    },
    "mail (2 grant emails)": {
        "tx": 6,
        "SELECT": 4,
        "INSERT": 6,
        "UPDATE": 2,
        "events": 2,
        "SMTP": 2,
    },
}
"""Per stage and per dossier, what Permis does (the table above, as data)."""

MAIL_LABEL = {
    "deposit_confirmation": "mail (deposit email)",
    "authorization_granted": "mail (2 grant emails)",
}

# The statements, built once with bound parameters, as Permis's store builds its own.
D, H, E = t.dossiers.c, t.dossier_history.c, t.emails.c  # their columns
SEEN = select(t.processed_messages).where(
    t.processed_messages.c.source == bindparam("source"),
    t.processed_messages.c.message_id == bindparam("message_id"),
)
MARK_SEEN = insert(t.processed_messages)
_NEXT_DOSSIER = upsert(t.dossier_sequences)
NEXT_DOSSIER = _NEXT_DOSSIER.on_conflict_do_update(
    index_elements=[t.dossier_sequences.c.year], set_={"last": t.dossier_sequences.c.last + 1}
).returning(t.dossier_sequences.c.last)
_NEXT_DOCUMENT = upsert(t.document_sequences)
NEXT_DOCUMENT = _NEXT_DOCUMENT.on_conflict_do_update(
    index_elements=[t.document_sequences.c.dossier_number, t.document_sequences.c.kind],
    set_={"last": t.document_sequences.c.last + 1},
).returning(t.document_sequences.c.last)
ADD_DOSSIER = insert(t.dossiers)
DOSSIER = select(t.dossiers).where(D.number == bindparam("number"))
ROUTE_DOSSIER = (
    update(t.dossiers)
    .where(D.number == bindparam("key"), D.state == "deposited")
    .values(
        state="routed",
        platform=bindparam("to_platform"),
        routing=bindparam("why", type_=D.routing.type),
        updated_at=bindparam("at"),
    )
)
GRANT_DOSSIER = (
    update(t.dossiers)
    .where(D.number == bindparam("key"), D.state == "routed", D.platform == bindparam("by"))
    .values(state="granted", updated_at=bindparam("at"), final_at=bindparam("at"))
)
LAST_HISTORY = (
    select(H.seq, H.hash)
    .where(H.dossier_number == bindparam("number"))
    .order_by(H.seq.desc())
    .limit(1)
)
ADD_HISTORY = insert(t.dossier_history)
DOCUMENT = select(t.documents).where(t.documents.c.number == bindparam("number"))
ADD_DOCUMENT = insert(t.documents)
_CLAIM = upsert(t.emails)
CLAIM_EMAIL = _CLAIM.on_conflict_do_update(
    index_elements=[E.reference, E.kind, E.recipient_role],
    set_={
        "message_id": _CLAIM.excluded.message_id,
        "status": _CLAIM.excluded.status,
        "updated_at": _CLAIM.excluded.updated_at,
        "claimed_until": _CLAIM.excluded.claimed_until,
        "attempts": E.attempts + 1,
    },
    where=E.status.not_in(DONE)
    & (E.claimed_until.is_(None) | (E.claimed_until < _CLAIM.excluded.updated_at)),
).returning(E.reference)
EMAIL_STATUS = select(E.status).where(
    E.reference == bindparam("reference"),
    E.kind == bindparam("kind"),
    E.recipient_role == bindparam("recipient_role"),
)
_RECORD = upsert(t.emails)
RECORD_EMAIL = _RECORD.on_conflict_do_update(
    index_elements=[E.reference, E.kind, E.recipient_role],
    set_={
        name: getattr(_RECORD.excluded, name)
        for name in ("message_id", "status", "error", "updated_at", "claimed_until")
    },
)


class Counts:
    """What this process did, by what it was handling, for --count-only: transactions,
    statements by their verb, confirmed sends and publishes, emails, seals."""

    def __init__(self) -> None:
        self.done: dict[str, Counter[str]] = defaultdict(Counter)
        self.statements: dict[str, list[str]] = defaultdict(list)
        self.local = threading.local()
        self.lock = threading.Lock()

    @contextmanager
    def handling(self, label: str) -> Iterator[None]:
        self.local.label = label
        try:
            yield
        finally:
            self.local.label = None

    def add(self, what: str, statement: str | None = None) -> None:
        label = getattr(self.local, "label", None) or "outside a dossier"
        with self.lock:
            self.done[label][what] += 1
            if statement is not None:
                self.statements[label].append(statement)

    def watch(self, engine: sqlalchemy.Engine) -> None:
        def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
            words = sql.split()
            self.add(words[0].upper(), " ".join(words)[:80])

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", lambda _conn: self.add("tx"))


@dataclass
class CountedTasks:
    inner: TaskQueue
    counts: Counts

    def send(self, actor_name: str, queue_name: str, payload: dict[str, Any]) -> None:
        self.inner.send(actor_name, queue_name, payload)
        self.counts.add("dramatiq")


@dataclass
class CountedPublisher:
    inner: Publisher
    counts: Counts

    def publish(
        self, exchange: str, routing_key: str, body: bytes, headers: dict[str, Any]
    ) -> None:
        self.inner.publish(exchange, routing_key, body, headers)
        self.counts.add({EVENTS_EXCHANGE: "events", CASES_EXCHANGE: "cases"}[exchange])

    def close(self) -> None:
        self.inner.close()


class Smtp:
    """Permis's SMTP transport without its MIME: one aiosmtplib connection, kept open,
    checked with NOOP before each send, one send at a time; the message is bytes already."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.loop = LoopThread("floor-smtp")
        self.client: aiosmtplib.SMTP | None = None
        self.lock = asyncio.Lock()

    def send(self, recipient: str, message: bytes) -> None:
        self.loop.run(self._send(recipient, message), timeout_s=30)

    def close(self) -> None:
        if self.client is not None and self.client.is_connected:
            self.loop.run(self.client.quit(), timeout_s=5)
        self.loop.stop()

    async def _send(self, recipient: str, message: bytes) -> None:
        async with self.lock:
            client = await self._connection()
            await client.sendmail(SENDER, [recipient], message)

    async def _connection(self) -> aiosmtplib.SMTP:
        if self.client is not None and self.client.is_connected:
            try:
                await self.client.noop()
                return self.client
            except (aiosmtplib.SMTPException, OSError):
                self.client.close()
        self.client = aiosmtplib.SMTP(
            hostname="127.0.0.1", port=self.port, use_tls=False, start_tls=False, timeout=10
        )
        await self.client.connect()
        return self.client


@dataclass(frozen=True)
class Letters:
    """The two emails, built once: the deposit confirmation whole, the authorization around
    its PDF; a send fills in the dossier, the Message-ID, the recipient (and the PDF)."""

    deposit: bytes
    grant_head: bytes
    grant_tail: bytes

    def message(self, number: str, message_id: str, recipient: str, pdf: bytes | None) -> bytes:
        if pdf is None:
            whole = self.deposit
        else:
            encoded = base64.encodebytes(pdf).replace(b"\n", b"\r\n")
            whole = self.grant_head + encoded + self.grant_tail
        return (
            whole.replace(b"FLOOR-DOSSIER", number.encode())
            .replace(b"FLOOR-MESSAGE-ID", message_id.encode())
            .replace(b"floor-to@floor.example", recipient.encode())
        )


PDF_MARK = b"FLOOR-PDF"


def build_letters() -> Letters:
    deposit = letter_of("deposit_confirmation", paragraphs=12)
    grant = letter_of("authorization_granted", paragraphs=11)
    grant.add_attachment(PDF_MARK, maintype="application", subtype="pdf", filename="a.pdf")
    mark = base64.encodebytes(PDF_MARK).rstrip()
    head, tail = grant.as_bytes(policy=SMTP).split(mark + b"\r\n")
    return Letters(deposit.as_bytes(policy=SMTP), head, tail)


def letter_of(kind: str, paragraphs: int) -> EmailMessage:
    """A text and HTML email about dossier FLOOR-DOSSIER, as long as Permis's of ``kind``."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "floor-to@floor.example"
    message["Subject"] = f"Votre demande d'autorisation de travail FLOOR-DOSSIER ({kind})"
    message["Date"] = "Mon, 14 Dec 2026 09:00:00 +0000"
    message["Message-ID"] = "<FLOOR-MESSAGE-ID@floor.example>"
    message["X-Permis-Kind"] = kind
    message["X-Permis-Dossier"] = "FLOOR-DOSSIER"
    text = (
        "Madame, Monsieur,\nLe dossier FLOOR-DOSSIER a bien ete recu par les services de la\n"
        "plateforme; il sera instruit dans les delais prevus par la reglementation.\n"
    )
    message.set_content(text * paragraphs)
    html = "".join(f"<p style='margin:0 0 12px 0'>{line}</p>\n" for line in text.splitlines())
    message.add_alternative(f"<html><body>{html * paragraphs}</body></html>\n", subtype="html")
    return message


def fixed_pdf(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes: a gray noise image, so it does not
    shrink; what the documents stage seals in place of a rendered authorization."""
    pdf = writer.PdfFileWriter()
    side = int(size**0.5)
    image = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Image"),
            generic.NameObject("/Width"): generic.NumberObject(side),
            generic.NameObject("/Height"): generic.NumberObject(side),
            generic.NameObject("/ColorSpace"): generic.NameObject("/DeviceGray"),
            generic.NameObject("/BitsPerComponent"): generic.NumberObject(8),
        },
        stream_data=random.Random(0).randbytes(side * side),
    )
    images = generic.DictionaryObject({generic.NameObject("/Im0"): pdf.add_object(image)})
    resources = generic.DictionaryObject({generic.NameObject("/XObject"): images})
    content = generic.StreamObject(stream_data=b"q 200 0 0 200 100 500 cm /Im0 Do Q")
    page = writer.PageObject(
        contents=pdf.add_object(content), media_box=(0, 0, 595, 842), resources=resources
    )
    pdf.insert_page(page)
    out = io.BytesIO()
    pdf.write(out)
    return out.getvalue()


@dataclass
class Floor:
    """What a floor process works with, built as Permis's composition root builds it."""

    store: Store
    broker: dramatiq.Broker
    tasks: TaskQueue
    publisher: Publisher
    relay: OutboxRelay
    counts: Counts | None = None
    smtp: Smtp | None = None
    letters: Letters | None = None
    seal: SealKey | None = None
    pdf: bytes = b""
    closers: list[Callable[[], None]] = field(default_factory=list)

    def handling(self, label: str) -> AbstractContextManager[None]:
        return self.counts.handling(label) if self.counts else nullcontext()

    def count(self, what: str) -> None:
        if self.counts:
            self.counts.add(what)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


def build(args: argparse.Namespace) -> Floor:
    store = Store.from_url(args.database_url)
    broker = make_broker(args.url)
    publisher = AmqpPublisher(args.url)
    tasks: TaskQueue = DramatiqTasks(broker)
    counted: Publisher = publisher
    counts = Counts() if args.count else None
    if counts is not None:
        counts.watch(store.engine)
        tasks, counted = CountedTasks(tasks, counts), CountedPublisher(publisher, counts)
    relay = OutboxRelay(store, counted, tasks, system_clock)
    floor = Floor(store, broker, tasks, counted, relay, counts)
    floor.closers += [store.dispose, broker.close, publisher.close]
    if args.stage == "mail":
        floor.smtp, floor.letters = Smtp(args.smtp_port), build_letters()
        floor.closers.append(floor.smtp.close)
    if args.stage == "documents":
        floor.seal = load_seal_key(args.keys / SEAL_KEY_FILE, args.keys / SEAL_CERT_FILE)
        floor.pdf = fixed_pdf(PDF_BYTES)
    return floor


def event_row(
    name: str, number: str, keyed_by: str | None, at: datetime, **data: Any
) -> OutboxMessage:
    """An event on permis.events, enveloped as Permis envelopes them (about its size), its
    routing key ``<event>.<platform|none>``."""
    body = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/permis",
        "type": f"fr.permis.{name}",
        "time": at.isoformat(),
        "subject": number,
        "datacontenttype": "application/json",
        "data": {"dossier_number": number, **data},
    }
    return OutboxMessage("amqp", EVENTS_EXCHANGE, f"{name}.{keyed_by or 'none'}", json.dumps(body))


def task_row(actor: ActorRef, **payload: Any) -> OutboxMessage:
    return OutboxMessage("task", actor.name, actor.queue, json.dumps(payload))


def append_history(
    tx: UnitOfWork, number: str, to: str, at: datetime, actor: str, *, first: bool = False
) -> None:
    """The history row of a move, numbered after the last one (read, as Permis reads it,
    unless it is the ``first`` row of a new dossier)."""
    last = None if first else tx.conn.execute(LAST_HISTORY, {"number": number}).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    digest = hashlib.sha256(f"{prev}{number}{seq}{to}".encode()).hexdigest()
    row = {"dossier_number": number, "seq": seq, "at": at, "actor": actor, "from_state": None}
    row |= {"to_state": to, "reason": to, "message_id": None, "prev_hash": prev, "hash": digest}
    tx.conn.execute(ADD_HISTORY, row)


def seen(tx: UnitOfWork, envelope: dict[str, Any]) -> bool:
    known = {"source": envelope["source"], "message_id": envelope["id"]}
    return tx.conn.execute(SEEN, known).first() is not None


def mark_seen(
    tx: UnitOfWork, envelope: dict[str, Any], body: str, number: str | None, at: datetime
) -> None:
    tx.conn.execute(
        MARK_SEEN,
        {
            "source": envelope["source"],
            "message_id": envelope["id"],
            "sha256": hashlib.sha256(body.encode()).hexdigest(),
            "outcome": "applied",
            "dossier_number": number,
            "received_at": at,
        },
    )


def take_in(floor: Floor, payload: dict[str, Any]) -> None:
    """Intake: a dossier numbered, stored with its history and the message seen; three out."""
    with floor.handling("intake"):
        body = payload["body"]
        envelope = json.loads(body)
        origin = f"portal|{envelope['source']}|{envelope['id']}"
        now = system_clock()
        written: list[OutboxMessage] = []
        with floor.store.transaction() as tx:
            again = seen(tx, envelope)
            if not again:
                number = deposit(tx, envelope, now)
                mark_seen(tx, envelope, body, number, now)
                rows = [
                    event_row(
                        "dossier.deposited",
                        number,
                        None,
                        now,
                        submission_id=envelope["id"],
                        findings=[],
                        deadline=(now + timedelta(days=60)).date().isoformat(),
                    ),
                    task_row(ROUTE, dossier_number=number),
                    task_row(
                        SEND_EMAIL,
                        kind="deposit_confirmation",
                        recipient_role="employer",
                        dossier_number=number,
                        document_number=None,
                        details={},
                    ),
                ]
                written = tx.add_outbox(origin, rows, now)
        floor.relay.settle(origin, written, again=again)


def deposit(tx: UnitOfWork, envelope: dict[str, Any], now: datetime) -> str:
    sequence = tx.conn.execute(NEXT_DOSSIER, {"year": now.year, "last": 1}).scalar_one()
    number = f"FL{now.year % 100:02d}-{sequence:07d}-0"
    tx.conn.execute(
        ADD_DOSSIER,
        {
            "number": number,
            "submission_source": envelope["source"],
            "submission_id": envelope["id"],
            "state": "deposited",
            "platform": None,
            "departement": "75",
            "category": "employee",
            "procedure": "introduction",
            "filing_date": now.date(),
            "deadline": now.date() + timedelta(days=60),
            "language": "fr",
            "employer_email": EMPLOYER,
            "beneficiary_email": BENEFICIARY,
            "submission": envelope["data"],
            "findings": [],
            "created_at": now,
            "updated_at": now,
        },
    )
    append_history(tx, number, "deposited", now, "portal", first=True)
    return number


ROUTING = {
    "name": "departement",
    "departement": "92",
    "table_version": "2026-01",
    "platform": PLATFORM,
    "confidence": "high",
    "source": "reference/platforms.yaml: the platform of the employer's departement",
}


def route(floor: Floor, payload: dict[str, Any]) -> None:
    """Routing: the dossier read, moved to its platform with a history row; two out."""
    with floor.handling("routing"):
        number = payload["dossier_number"]
        origin = f"route|{number}"
        now = system_clock()
        written: list[OutboxMessage] = []
        with floor.store.transaction() as tx:
            dossier = tx.conn.execute(DOSSIER, {"number": number}).one()
            if dossier.state == "deposited":
                moved = {"key": number, "to_platform": PLATFORM, "why": ROUTING, "at": now}
                if tx.conn.execute(ROUTE_DOSSIER, moved).rowcount != 1:
                    raise TransientError("dossier moved meanwhile")
                append_history(tx, number, "routed", now, "system")
                rows = [
                    event_row("dossier.routed", number, PLATFORM, now, platform=PLATFORM),
                    case_file(dossier, now),
                ]
                written = tx.add_outbox(origin, rows, now)
        floor.relay.settle(origin, written, again=not written)


def case_file(dossier: Any, now: datetime) -> OutboxMessage:
    body = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "type": "fr.permis.case.assigned",
        "time": now.isoformat(),
        "subject": dossier.number,
        "data": {
            "dossier_number": dossier.number,
            "platform": PLATFORM,
            "deadline": dossier.deadline.isoformat(),
            "findings": dossier.findings,
            "submission": dossier.submission,
        },
    }
    return OutboxMessage("amqp", CASES_EXCHANGE, PLATFORM, json.dumps(body))


def decide(floor: Floor, payload: dict[str, Any]) -> None:
    """Decisions: the dossier read, its document number reserved, moved to its final state
    (``final_at`` set in the same UPDATE) with a history row, the message seen; two out."""
    with floor.handling("decisions"):
        body = payload["body"]
        envelope = json.loads(body)
        origin = f"agents|{envelope['source']}|{envelope['id']}"
        now = system_clock()
        written: list[OutboxMessage] = []
        with floor.store.transaction() as tx:
            again = seen(tx, envelope)
            if not again:
                rows = grant(tx, envelope["data"]["dossier_number"], now)
                mark_seen(tx, envelope, body, None, now)
                written = tx.add_outbox(origin, rows, now)
        floor.relay.settle(origin, written, again=again)


def grant(tx: UnitOfWork, number: str, now: datetime) -> list[OutboxMessage]:
    platform = tx.conn.execute(DOSSIER, {"number": number}).one().platform
    key = {"dossier_number": number, "kind": "authorization", "last": 1}
    document = f"{number}-A{tx.conn.execute(NEXT_DOCUMENT, key).scalar_one()}"
    if tx.conn.execute(GRANT_DOSSIER, {"key": number, "by": platform, "at": now}).rowcount != 1:
        raise TransientError("dossier moved meanwhile")
    append_history(tx, number, "granted", now, "agent")
    valid = {"valid_from": "2027-02-15", "valid_until": "2027-12-31"}
    return [
        event_row("dossier.granted", number, platform, now, authorization_number=document, **valid),
        task_row(
            ISSUE_DOCUMENT,
            dossier_number=number,
            kind="authorization",
            document_number=document,
            details=valid,
            replaces=None,
        ),
    ]


def issue_document(floor: Floor, payload: dict[str, Any]) -> None:
    """Documents: the document and dossier read, the fixed PDF sealed and stored; three out."""
    with floor.handling("documents"):
        number, document = payload["dossier_number"], payload["document_number"]
        origin = f"document|{document}"
        with floor.store.transaction() as tx:
            issued = tx.conn.execute(DOCUMENT, {"number": document}).first()
            tx.conn.execute(DOSSIER, {"number": number}).one()
        written: list[OutboxMessage] = []
        if issued is None:
            now = system_clock()
            assert floor.seal is not None
            content = seal_pdf(floor.pdf, None, floor.seal, reason=f"Autorisation {document}")
            floor.count("PAdES")
            sha256 = hashlib.sha256(content).hexdigest()
            with floor.store.transaction() as tx:
                tx.conn.execute(ADD_DOCUMENT, document_row(payload, content, sha256, now))
                rows = [
                    event_row(
                        "document.issued",
                        number,
                        PLATFORM,
                        now,
                        kind="authorization",
                        document_number=document,
                        sha256=sha256,
                    ),
                    *(grant_letter(number, document, role) for role in ("employer", "beneficiary")),
                ]
                written = tx.add_outbox(origin, rows, now)
        floor.relay.settle(origin, written, again=issued is not None)


def document_row(
    payload: dict[str, Any], content: bytes, sha256: str, now: datetime
) -> dict[str, Any]:
    return {
        "number": payload["document_number"],
        "dossier_number": payload["dossier_number"],
        "kind": payload["kind"],
        "sha256": sha256,
        "content": content,
        "replaces": None,
        "created_at": now,
        "details": payload["details"],
        "issued_on": now.date(),
    }


def grant_letter(number: str, document: str, role: str) -> OutboxMessage:
    return task_row(
        SEND_EMAIL,
        kind="authorization_granted",
        recipient_role=role,
        dossier_number=number,
        document_number=document,
        details={},
    )


def send_email(floor: Floor, payload: dict[str, Any]) -> None:
    """Mail: the email claimed with its dossier (and document) read, sent, recorded; one out."""
    kind, role, number = payload["kind"], payload["recipient_role"], payload["dossier_number"]
    document_number = payload.get("document_number")
    key = document_number or number
    email_key = {"reference": key, "kind": kind, "recipient_role": role}
    message_id = f"{key}.{kind}.{role}"
    origin = f"mail|{key}|{kind}|{role}"
    now = system_clock()
    with floor.handling(MAIL_LABEL[kind]):
        with floor.store.transaction() as tx:
            dossier, pdf = claim(tx, email_key, message_id, now, number, document_number)
        written: list[OutboxMessage] = []
        if dossier is not None:
            assert floor.smtp is not None and floor.letters is not None
            recipient = dossier.employer_email if role == "employer" else dossier.beneficiary_email
            floor.smtp.send(recipient, floor.letters.message(number, message_id, recipient, pdf))
            floor.count("SMTP")
            with floor.store.transaction() as tx:
                tx.conn.execute(
                    RECORD_EMAIL,
                    {**email_key, "message_id": message_id, "status": "sent", "error": None}
                    | {"attempts": 1, "updated_at": now, "claimed_until": None},
                )
                sent = event_row("email.sent", number, dossier.platform, now, **email_key)
                written = tx.add_outbox(origin, [sent], system_clock())
        floor.relay.settle(origin, written, again=not written)


def claim(
    tx: UnitOfWork,
    key: dict[str, Any],
    message_id: str,
    now: datetime,
    number: str,
    document: str | None,
) -> tuple[Any, bytes | None]:
    """Claim the email for this delivery and read what it needs; (None, None) when it was
    sent already, TransientError when another delivery is sending it."""
    until = now + timedelta(seconds=40)
    claimed = {**key, "message_id": message_id, "status": "sending", "attempts": 1}
    claimed |= {"updated_at": now, "claimed_until": until}
    if tx.conn.execute(CLAIM_EMAIL, claimed).first() is None:
        if tx.conn.execute(EMAIL_STATUS, key).scalar() in DONE:
            return None, None
        raise TransientError("email being sent by another delivery")
    dossier = tx.conn.execute(DOSSIER, {"number": number}).one()
    if document is None:
        return dossier, None
    return dossier, tx.conn.execute(DOCUMENT, {"number": document}).one().content


HANDLERS: dict[ActorRef, Callable[[Floor, dict[str, Any]], None]] = {
    TAKE_IN: take_in,
    ROUTE: route,
    DECIDE: decide,
    ISSUE_DOCUMENT: issue_document,
    SEND_EMAIL: send_email,
}


def declare_actors(floor: Floor) -> None:
    """Every stage's actor on this process's broker, as Permis declares them."""
    for actor, handler in HANDLERS.items():

        def bound(payload: dict[str, Any], handler: Any = handler) -> None:
            handler(floor, payload)

        bound.__name__ = actor.name
        dramatiq.Actor(
            bound,
            broker=floor.broker,
            actor_name=actor.name,
            queue_name=actor.queue,
            priority=0,
            options=dict(ACTOR_DEFAULTS),
        )


def ingress_handlers(floor: Floor) -> list[tuple[str, Any]]:
    """What ingress does with a delivery: hand it to its stage, confirmed, then ack it."""

    def portal(body: bytes, headers: dict[str, Any] | None, _props: dict[str, Any]) -> None:
        with floor.handling("ingress (submission)"):
            command = {"body": body.decode(), "headers": jsonable_headers(headers)}
            floor.tasks.send(TAKE_IN.name, TAKE_IN.queue, command)

    def agents(body: bytes, headers: dict[str, Any] | None, _props: dict[str, Any]) -> None:
        with floor.handling("ingress (decision)"):
            kept = jsonable_headers(headers)
            command = {"body": body.decode(), "headers": kept, "signature_code": None}
            command |= {"key_id": kept.get("signature-key-id"), "platform": PLATFORM}
            floor.tasks.send(DECIDE.name, DECIDE.queue, command)

    return [(SUBMISSIONS_QUEUE, portal), (DECISIONS_QUEUE, agents)]


def serve(args: argparse.Namespace) -> None:
    """One floor process until SIGTERM: ingress, or a stage's dramatiq worker."""
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    floor = build(args)
    declare_actors(floor)
    try:
        if args.stage == INGRESS:
            serve_ingress(floor, args, stopping)
        else:
            serve_stage(floor, args, stopping)
    finally:
        floor.close()
        if floor.counts is not None:
            counts = {label: dict(c) for label, c in floor.counts.done.items()}
            counted = {"counts": counts, "statements": floor.counts.statements}
            (args.folder / f"counts-{args.stage}.json").write_text(json.dumps(counted))


def serve_stage(floor: Floor, args: argparse.Namespace, stopping: threading.Event) -> None:
    queue = STAGES[args.stage].queue
    worker = dramatiq.Worker(floor.broker, queues={queue}, worker_threads=args.threads)
    worker.start()
    (args.folder / f"ready-{args.stage}").touch()
    stopping.wait()
    worker.stop(timeout=10_000)


def serve_ingress(floor: Floor, args: argparse.Namespace, stopping: threading.Event) -> None:
    consumers = [
        threading.Thread(target=consume, args=(args.url, queue, handler, stopping))
        for queue, handler in ingress_handlers(floor)
    ]
    for consumer in consumers:
        consumer.start()
    (args.folder / f"ready-{args.stage}").touch()
    while not stopping.wait(OUTBOX_SWEEP_EVERY_S):  # as Permis's ingress process does
        floor.relay.sweep(OUTBOX_SWEEP_AGE_S)
    for consumer in consumers:
        consumer.join()


@contextmanager
def fresh_schema(database_url: str, tag: str) -> Iterator[str]:
    """A new schema with Permis's tables; its URL (``search_path``); dropped afterwards."""
    schema = f"floor_{tag}"
    admin = sqlalchemy.create_engine(engine_url(database_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    joiner = "&" if "?" in database_url else "?"
    url = f"{database_url}{joiner}options=-csearch_path%3D{schema}"
    try:
        tables = sqlalchemy.create_engine(engine_url(url))
        t.metadata.create_all(tables)
        tables.dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def declare_topology(url: str) -> None:
    """Permis's exchanges, external queues and stage queues, as `permis run` declares them."""
    publisher = AmqpPublisher(url)
    try:
        publisher.declare()
    finally:
        publisher.close()
    declare_stage_queues(url, [stage.queue for stage in STAGES.values()])


def remove_topology(url: str) -> None:
    connection = connect(url)
    try:
        channel = connection.channel()
        for stage in STAGES.values():
            for name in (stage.queue, dq_name(stage.queue), xq_name(stage.queue)):
                channel.queue_delete(name)
        for queue in QUEUES:
            channel.queue_delete(queue.name)
        for exchange in EXCHANGES:
            channel.exchange_delete(exchange.name)
    finally:
        connection.close()


def start_processes(
    args: argparse.Namespace, url: str, database_url: str, folder: Path, smtp_port: int
) -> dict[str, subprocess.Popen[bytes]]:
    """One process per stage and ingress, as `permis run` starts them, metrics shared."""
    metrics = folder / "metrics"
    metrics.mkdir()
    env = clean_env(**{name: str(metrics) for name in MULTIPROCESS_ENV})
    started = {}
    for name in PROCESSES:
        command = [sys.executable, __file__, "--stage", name, "--url", url]
        command += ["--database-url", database_url, "--folder", str(folder)]
        command += ["--smtp-port", str(smtp_port), "--keys", str(folder / "keys")]
        command += ["--threads", str(args.threads), *(["--count"] if args.count_only else [])]
        log = (folder / f"{name}.log").open("wb")
        started[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        log.close()
    return started


def stop_processes(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        stop(process, grace_s=30)


def peaks_and_cpu(
    processes: dict[str, subprocess.Popen[bytes]],
) -> tuple[dict[str, float], dict[str, float]]:
    """Each process's peak resident MiB (VmHWM) and CPU seconds so far."""
    peaks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for name, process in processes.items():
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            continue
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
        peaks[name] = int(hwm.split()[1]) / 1024
        cpu[name] = load.cpu_seconds(process.pid)
    return peaks, cpu


def rows_written(database_url: str) -> dict[str, dict[str, int]]:
    """Rows inserted and updated per table, from PostgreSQL's statistics (once the floor's
    connections are closed, so that they flushed them)."""
    engine = sqlalchemy.create_engine(engine_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema() ORDER BY relname"
            ).all()
    finally:
        engine.dispose()
    return {name: {"inserted": ins, "updated": upd} for name, ins, upd in rows if ins or upd}


@dataclass
class Measured:
    """What a run saw: when each submission and burst grant left, the events and emails
    that came, whether all came, and the floor's processes' memory, CPU and rows."""

    sent: dict[str, float]
    burst: dict[str, float]
    events: load.Events
    arrivals: load.Arrivals
    done: bool
    peaks: dict[str, float]
    cpu: dict[str, float]
    burst_cpu: dict[str, float]
    rows: dict[str, dict[str, int]]


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="floor-"))
    try:
        measured = measure(args, folder)
    except BaseException:
        print(f"floor: stopped; its processes' logs are in {folder}", file=sys.stderr)
        raise
    args.processes, args.database = 1, "postgres"  # what load.summarise reports
    figures = load.summarise(
        args,
        measured.sent,
        measured.events,
        measured.arrivals,
        measured.done,
        measured.peaks,
        measured.cpu,
        {},
        {},
    )
    burst = load.summarise_burst(measured.burst, measured.arrivals, measured.burst_cpu)
    result = floor_result(args, figures, burst, measured.rows)
    if args.count_only:
        result |= counted(folder)
    if measured.done:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        result["logs"] = str(folder)
    return result


def measure(args: argparse.Namespace, folder: Path) -> Measured:
    """Set the floor up on its own vhost and schema, load it, and take everything down."""
    every = 1 if args.count_only else args.grant_every
    keys = folder / "keys"
    with ExitStack() as cleanup:  # undone in reverse, whatever fails on the way
        url = args.url or f"{load.BROKER}/{cleanup.enter_context(fresh_vhost('permis-floor'))}"
        database_url = cleanup.enter_context(fresh_schema(args.database_url, uuid.uuid4().hex[:8]))
        declare_topology(url)
        if args.url:
            cleanup.callback(remove_topology, url)
        generate_keys(keys, [PLATFORM])
        generate_seal(keys)
        arrivals = load.Arrivals()
        relay = Controller(arrivals, hostname="127.0.0.1", port=free_port())
        relay.start()
        cleanup.callback(relay.stop)
        processes = start_processes(args, url, database_url, folder, relay.port)
        cleanup.callback(stop_processes, processes)
        ready = [folder / f"ready-{name}" for name in PROCESSES]
        if not wait_until(lambda: all(path.exists() for path in ready), 120):
            raise SystemExit(f"the floor's processes did not start: see {folder}/*.log")
        events = load.Events(url, keys, every)
        cleanup.callback(events.stop.set)
        events.start()
        events.ready.wait(30)
        if not load.warm_up(url, args.warmup, args.rate, events, arrivals, args.timeout):
            raise SystemExit(f"the floor's warm-up did not go through: see {folder}/*.log")
        before = cpu_now(processes)
        sent, done = drive(args, url, events, arrivals, every)
        loaded = cpu_now(processes)
        burst = load.grant_burst(url, keys, events, args.grant_burst) if args.grant_burst else {}
        if burst:
            grants = args.submissions // every if every else 0
            done = done and wait_until(
                lambda: arrivals.count("authorization_granted") >= 2 * (grants + len(burst)),
                args.timeout,
            )
        if args.count_only:
            time.sleep(2)  # the last marks (published) come after the last email
        after = cpu_now(processes)
        peaks = peaks_and_cpu(processes)[0]
        stop_processes(processes)  # now, so that PostgreSQL has their statistics
        rows = rows_written(database_url)
    cpu, burst_cpu = load.spent(before, loaded), load.spent(loaded, after)
    return Measured(sent, burst, events, arrivals, done, peaks, cpu, burst_cpu, rows)


def cpu_now(processes: dict[str, subprocess.Popen[bytes]]) -> dict[str, float]:
    """CPU seconds so far of each floor process, of RabbitMQ and of PostgreSQL."""
    return peaks_and_cpu(processes)[1] | load.services_cpu()


def drive(
    args: argparse.Namespace,
    url: str,
    events: load.Events,
    arrivals: load.Arrivals,
    every: int,
) -> tuple[dict[str, float], bool]:
    """Publish the submissions, wait for their emails and the grants'."""
    sent = load.publish(url, args.submissions, args.rate, uuid.uuid4().hex[:8])
    grants = args.submissions // every if every else 0
    done = wait_until(
        lambda: (
            arrivals.count("deposit_confirmation") >= args.submissions
            and arrivals.count("authorization_granted") >= 2 * grants
        ),
        args.timeout,
    )
    return sent, done


def _burst_cpu(per_process: dict[str, float]) -> dict[str, Any]:
    """CPU per burst grant: the floor's processes together, and each with the services."""
    if not per_process:
        return {}
    ours = sum(ms for name, ms in per_process.items() if name in PROCESSES)
    return {
        "cpu_ms_per_burst_grant": round(ours, 2),
        "cpu_ms_per_burst_grant_by_process": per_process,
    }


def floor_result(
    args: argparse.Namespace,
    measured: dict[str, Any],
    burst: dict[str, Any],
    rows: dict[str, dict[str, int]],
) -> dict[str, Any]:
    per_process = measured["cpu_ms_per_dossier"]
    ours = {name: ms for name, ms in per_process.items() if name in PROCESSES}
    grants = measured["grants"] + burst.get("burst_grants", 0)
    return {
        "floor_deposits_per_s": measured["deposits_per_s"],
        "floor_grants_per_s": measured["grants_per_s"],
        **({"floor_burst_grants_per_s": burst["burst_grants_per_s"]} if burst else {}),
        "deposit_latency_ms": measured["deposit_latency_ms"],
        "grant_latency_ms": measured["grant_latency_ms"],
        **({"burst_grant_latency_ms": burst["burst_grant_latency_ms"]} if burst else {}),
        "cpu_ms_per_dossier": round(sum(ours.values()), 2),
        "cpu_ms_per_dossier_by_process": per_process,
        **_burst_cpu(burst.get("cpu_ms_per_burst_grant", {})),
        "rss_mb_max": max(measured["peak_rss_mib"].values(), default=0.0),
        "peak_rss_mib": measured["peak_rss_mib"],
        "complete": measured["complete"],
        "submissions": args.submissions,
        "rate": args.rate,
        "deposits": measured["deposits"],
        "grants": grants,
        "grant_every": 1 if args.count_only else args.grant_every,
        "grant_burst": args.grant_burst,
        "threads": args.threads,
        "emails_resent": measured["emails_resent"],
        "counts": PERMIS,
        "rows_written": rows,
        "rows_as_counted": rows == rows_expected(measured["deposits"], grants),
    }


def counted(folder: Path) -> dict[str, Any]:
    """What the floor's processes counted for their one dossier, against Permis's counts."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    statements: dict[str, list[str]] = defaultdict(list)
    outside: dict[str, dict[str, int]] = {}
    for path in sorted(folder.glob("counts-*.json")):
        process = json.loads(path.read_text())
        for label, counts in process["counts"].items():
            if label in PERMIS:
                found[label] |= counts
                statements[label] += process["statements"].get(label, [])
            else:
                outside[f"{path.stem.removeprefix('counts-')}: {label}"] = counts
    measured = {label: found.get(label, {}) for label in PERMIS}
    same = all(
        measured[label].get(column, 0) == PERMIS[label].get(column, 0)
        for label in PERMIS
        for column in COLUMNS
    )
    return {
        "floor_counts": measured,
        "counts_match_permis": same,
        "not_per_dossier": outside,
        "floor_statements": statements,
    }


def rows_expected(deposits: int, grants: int) -> dict[str, dict[str, int]]:
    """The rows the counts above write for ``deposits`` dossiers, ``grants`` of them granted
    (none twice: a redelivery or retry would show here)."""
    n, g = deposits, grants
    return {
        "document_sequences": {"inserted": g, "updated": 0},
        "documents": {"inserted": g, "updated": 0},
        "dossier_history": {"inserted": 2 * n + g, "updated": 0},
        "dossier_sequences": {"inserted": 1, "updated": n - 1},
        "dossiers": {"inserted": n, "updated": n + g},
        "emails": {"inserted": n + 2 * g, "updated": n + 2 * g},
        "outbox": {"inserted": 6 * n + 7 * g, "updated": 6 * n + 7 * g},
        "processed_messages": {"inserted": n + g, "updated": 0},
    }


def markdown(counts: dict[str, dict[str, int]]) -> str:
    header = f"| stage | {' | '.join(COLUMNS)} |"
    rule = "|---|" + "---:|" * len(COLUMNS)
    lines = [
        f"| {label} | {' | '.join(str(row.get(c, 0)) for c in COLUMNS)} |"
        for label, row in counts.items()
    ]
    return "\n".join([header, rule, *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="amqp://…/VHOST to use; else a fresh vhost of its own")
    parser.add_argument("--database-url", default=load.POSTGRES, help="its schema goes in there")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--grant-every", type=int, default=10, help="grant every n-th routed")
    parser.add_argument("--grant-burst", type=int, default=0, help="then grant N more at once")
    parser.add_argument("--warmup", type=int, default=0, help="first N submissions, not counted")
    parser.add_argument("--threads", type=int, default=4, help="per stage, as Permis's default")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--count-only",
        action="store_true",
        help="one dossier, granted; print what each stage did, against Permis's counts",
    )
    parser.add_argument("--stage", choices=PROCESSES, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keys", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--smtp-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        serve(args)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleans up as an error does
    if args.count_only:
        args.submissions, args.rate, args.grant_burst, args.warmup = 1, 1.0, 0, 0
    result = run(args)
    if args.count_only:
        print("Permis, per dossier:\n" + markdown(PERMIS) + "\n")
        print("The floor, counted:\n" + markdown(result["floor_counts"]) + "\n")
        for label, statements in result["floor_statements"].items():
            print(f"{label}:\n" + "".join(f"  {sql}\n" for sql in statements))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
