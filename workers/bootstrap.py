"""The composition root: the one place that builds adapters from settings and wires stages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import dramatiq

from config.reference import load_reference
from config.settings import Settings
from workers.core.aio import LoopThread
from workers.core.amqp import AmqpPublisher
from workers.core.broker import ACTOR_DEFAULTS, DramatiqTasks, make_broker
from workers.core.clock import Clock, system_clock
from workers.core.outbox import OutboxRelay
from workers.core.ports import Publisher, RecordingPublisher
from workers.core.services import Services
from workers.core.stages import (
    APPLY_PORTAL_CHANGE,
    DECIDE,
    ISSUE_DOCUMENT,
    ROUTE,
    SEND_EMAIL,
    TAKE_IN,
    ActorRef,
)
from workers.core.store import Store
from workers.decisions.actor import apply_portal_change, decide
from workers.documents.actor import issue_document
from workers.ingress.service import Ingress
from workers.intake.actor import take_in
from workers.mail.actor import send_email
from workers.mail.transport import EmlDirectoryTransport, MailTransport, SmtpTransport
from workers.routing.actor import route
from workers.seal.keys import load_seal_key
from workers.seal.sealer import Sealer
from workers.signatures.verify import KeyRegistry

Handler = Callable[[Services, dict[str, Any]], None]

HANDLERS: dict[ActorRef, Handler] = {
    TAKE_IN: take_in,
    ROUTE: route,
    DECIDE: decide,
    APPLY_PORTAL_CHANGE: apply_portal_change,
    ISSUE_DOCUMENT: issue_document,
    SEND_EMAIL: send_email,
}


@dataclass(frozen=True)
class Pipeline:
    """Everything a process of Permis runs with, built once at start."""

    settings: Settings
    broker: dramatiq.Broker
    services: Services
    ingress: Ingress
    publisher: Publisher
    transport: MailTransport
    loop: LoopThread

    def close(self) -> None:
        self.loop.run(self.transport.close(), timeout_s=5)
        self.loop.stop()
        self.publisher.close()
        self.broker.close()
        self.services.store.dispose()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    publisher: Publisher | None = None,
    transport: MailTransport | None = None,
) -> Pipeline:
    """Build the store, broker, publisher and mail transport from ``settings``, and the actors."""
    store = Store.from_url(settings.database_url)
    broker = make_broker(settings.broker_url)
    tasks = DramatiqTasks(broker)
    if publisher is None:
        publisher = (
            AmqpPublisher(settings.broker_url) if settings.broker_url else RecordingPublisher()
        )
    transport = transport or mail_transport(settings)
    loop = LoopThread()

    def send_mail(message: EmailMessage) -> None:
        loop.run(transport.send(message), timeout_s=settings.smtp_timeout_s * 3)

    services = Services(
        settings=settings,
        store=store,
        reference=load_reference(),
        relay=OutboxRelay(store, publisher, tasks, clock),
        clock=clock,
        send_mail=send_mail,
        seal=sealer(settings),
    )
    declare_actors(broker, services)
    ingress = Ingress(publisher, tasks, clock, decision_keys(settings))
    return Pipeline(settings, broker, services, ingress, publisher, transport, loop)


def decision_keys(settings: Settings) -> KeyRegistry:
    """The platforms' public keys (``PERMIS_DECISION_KEYS``), re-read when the file changes."""
    path = Path(settings.decision_keys) if settings.decision_keys else Path("/nonexistent")
    return KeyRegistry(path)


def sealer(settings: Settings) -> Sealer | None:
    """The seal of ``PERMIS_SEAL_KEY`` and ``PERMIS_SEAL_CERT``, or None when either is unset."""
    if settings.seal_key is None or settings.seal_cert is None:
        return None
    return Sealer(load_seal_key(Path(settings.seal_key), Path(settings.seal_cert)))


def mail_transport(settings: Settings) -> MailTransport:
    """``.eml`` files when ``PERMIS_MAIL_DIR`` is set, else the SMTP relay."""
    if settings.mail_dir is not None:
        return EmlDirectoryTransport(Path(settings.mail_dir))
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls.value,
        username=settings.smtp_username,
        password=password,
        timeout_s=settings.smtp_timeout_s,
        ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
    )


def declare_actors(broker: dramatiq.Broker, services: Services) -> None:
    """Bind every stage's handler to ``broker`` as an actor on the stage's own queue."""
    for actor, handler in HANDLERS.items():
        dramatiq.Actor(
            _bound(handler, services, actor.name),
            broker=broker,
            actor_name=actor.name,
            queue_name=actor.queue,
            priority=0,
            options=dict(ACTOR_DEFAULTS),
        )


def _bound(handler: Handler, services: Services, name: str) -> Callable[[dict[str, Any]], None]:
    def actor(payload: dict[str, Any]) -> None:
        handler(services, payload)

    actor.__name__ = actor.__qualname__ = name
    actor.__module__ = handler.__module__
    return actor
