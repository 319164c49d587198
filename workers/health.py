"""``permis health``: are the broker, the database and the relay reachable, and is every
queue of the pipeline being consumed? One line per check, for people and for probes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from config.settings import Settings
from workers.bootstrap import mail_transport
from workers.core.amqp import connect, mapped_amqp_errors, queue_state
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
        except (PermisError, OSError, TimeoutError) as exc:
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
    transport = mail_transport(settings)

    async def probe() -> str:
        try:
            return await transport.probe()
        finally:
            await transport.close()

    return asyncio.run(probe())


def _consumers(settings: Settings) -> str:
    connection = connect(settings.broker_url_or_default)
    try:
        with mapped_amqp_errors("pipeline"):
            states = {queue: queue_state(connection, queue) for queue in CONSUMED}
    finally:
        if connection.is_open:
            connection.close()
    idle = [
        f"{queue} (missing)" if state is None else queue
        for queue, state in states.items()
        if state is None or state[1] == 0
    ]
    if idle:
        raise Unhealthy("no consumer on " + ", ".join(idle))
    return f"{len(CONSUMED)} queues consumed"
