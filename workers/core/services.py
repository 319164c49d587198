"""What every stage's handler receives: the ports, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.reference import ReferenceData
from config.settings import Settings
from workers.core.clock import Clock
from workers.core.outbox import OutboxRelay
from workers.core.store import Store
from workers.seal.sealer import Sealer


@dataclass(frozen=True)
class Services:
    """The store, the reference data, the outbox relay, the clock, the mail sender, the seal."""

    settings: Settings
    store: Store
    reference: ReferenceData
    relay: OutboxRelay
    clock: Clock
    send_mail: Callable[[Any], None]
    seal: Sealer | None = None
