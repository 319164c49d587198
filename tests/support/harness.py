"""The pipeline in-process on the in-process broker, a real database and a moved clock.

For service-level tests (deadlines, the transition table, concurrency): messages go
through ingress and every stage's actor exactly as over RabbitMQ, but the test decides
what time it is and runs the broker dry between steps.
"""

from __future__ import annotations

import json
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import dramatiq

from config.settings import Settings
from workers.bootstrap import Pipeline, bootstrap
from workers.core.clock import FixedClock
from workers.core.ports import RecordingPublisher
from workers.core.topology import CASES_EXCHANGE, EVENTS_EXCHANGE
from workers.deadlines.sweep import SweepReport, sweep
from workers.inprocess import drain
from workers.seal.keys import SEAL_CERT_FILE, SEAL_KEY_FILE
from workers.signatures.keys import KEYS_FILE, private_key_for
from workers.signatures.verify import sign


class Harness:
    """One pipeline, its recorded publications and emails, and its clock."""

    def __init__(self, database_url: str, folder: Path, keys_dir: Path, now: datetime) -> None:
        self.clock = FixedClock(now)
        self.publisher = RecordingPublisher()
        self.keys_dir = keys_dir
        self.mail_dir = folder / "mail"
        settings = Settings(
            database_url=database_url,
            mail_dir=self.mail_dir,
            decision_keys=keys_dir / KEYS_FILE,
            seal_key=keys_dir / SEAL_KEY_FILE,
            seal_cert=keys_dir / SEAL_CERT_FILE,
        )
        self.pipeline: Pipeline = bootstrap(settings, publisher=self.publisher, clock=self.clock)
        self.pipeline.services.store.migrate()
        # One worker for the harness's life, as in a real process: dramatiq's middleware
        # (time limits among them) is not made to boot twice on one broker. Its idle threads
        # check every 0.1 s, not every second, whether to stop: it stops that much sooner.
        self.worker = dramatiq.Worker(self.pipeline.broker, worker_threads=4, worker_timeout=100)
        self.worker.start()

    def submit(self, body: bytes) -> None:
        self.pipeline.ingress.take_portal(body, {})

    def decide(self, body: bytes, platform: str | None) -> None:
        headers = {}
        if platform:
            key_id, key = private_key_for(self.keys_dir, platform)
            headers = {"signature-key-id": key_id, "signature": sign(body, key)}
        self.pipeline.ingress.take_decision(body, headers)

    def run(self) -> None:
        """Let every stage work until nothing is left in the queues."""
        drain(self.pipeline.broker)

    def sweep(self, holder: str = "test-sweeper") -> SweepReport:
        return sweep(self.pipeline.services, holder, lease_s=60)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        bodies = [json.loads(p.body) for p in self.publisher.on(EVENTS_EXCHANGE)]
        if name is None:
            return bodies
        return [b for b in bodies if b["type"] == f"fr.permis.{name}"]

    def cases(self) -> list[dict[str, Any]]:
        return [json.loads(p.body) for p in self.publisher.on(CASES_EXCHANGE)]

    def emails(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found

    def state(self, number: str) -> str:
        with self.pipeline.services.store.transaction() as tx:
            dossier = tx.dossier(number)
        assert dossier is not None
        return dossier.state

    def close(self) -> None:
        self.worker.stop()
        self.pipeline.close()
