"""``permis health``: are the broker, the database and the relay reachable, and is every
queue of the pipeline being consumed? One line per check, for people and for probes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib
import pika.exceptions
from sqlalchemy import text

from config.settings import Settings
from workers.core.amqp import connect
from workers.core.errors import PermisError
from workers.core.stages import STAGES
from workers.core.store import Store
from workers.core.topology import DECISIONS_QUEUE, SUBMISSIONS_QUEUE

CONSUMED = (SUBMISSIONS_QUEUE, DECISIONS_QUEUE, *(stage.queue for stage in STAGES.values()))


@dataclass(frozen=True)
class Check:
    """One thing checked: its name, whether it is fine, and what was seen."""

    name: str
    ok: bool
    detail: str


def health(settings: Settings) -> list[Check]:
    """Every check, each independent of the others' failures."""
    checks: list[tuple[str, Callable[[Settings], str]]] = [
        ("broker", _broker),
        ("database", _database),
        ("mail", _mail),
        ("pipeline", _consumers),
    ]
    results = []
    for name, check in checks:
        try:
            results.append(Check(name, True, check(settings)))
        except (PermisError, OSError, TimeoutError, aiosmtplib.SMTPException) as exc:
            results.append(Check(name, False, str(exc) or type(exc).__name__))
        except Unhealthy as exc:
            results.append(Check(name, False, str(exc)))
    return results


class Unhealthy(Exception):
    """A check that reached its target and did not like what it saw."""


def _broker(settings: Settings) -> str:
    connect(settings.broker_url_or_default).close()
    return "connected"


def _database(settings: Settings) -> str:
    store = Store.from_url(settings.database_url)
    try:
        with store.transaction() as tx:
            tx.conn.execute(text("SELECT 1"))
    finally:
        store.dispose()
    return "answering"


def _mail(settings: Settings) -> str:
    if settings.mail_dir is not None:
        folder = Path(settings.mail_dir)
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".permis-health"
        probe.write_text("ok")
        probe.unlink()
        return f"writing .eml files to {folder}"

    async def greet() -> None:
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls.value == "tls",
            start_tls=settings.smtp_tls.value == "starttls",
            timeout=settings.smtp_timeout_s,
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        )
        await client.connect()
        await client.noop()
        await client.quit()

    asyncio.run(greet())
    return f"relay {settings.smtp_host}:{settings.smtp_port} answers"


def _consumers(settings: Settings) -> str:
    connection = connect(settings.broker_url_or_default)
    idle = []
    try:
        for queue in CONSUMED:
            channel = connection.channel()
            try:
                declared = channel.queue_declare(queue, passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                idle.append(f"{queue} (missing)")
                continue
            if declared.method.consumer_count == 0:
                idle.append(queue)
            channel.close()
    finally:
        if connection.is_open:
            connection.close()
    if idle:
        raise Unhealthy("no consumer on " + ", ".join(idle))
    return f"{len(CONSUMED)} queues consumed"
