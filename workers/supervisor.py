"""``permis run``: start ingress and every stage as processes, restart the ones that die."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from config.settings import Settings
from workers.core.amqp import AmqpPublisher
from workers.core.broker import declare_stage_queues
from workers.core.exposition import forget_process, serve_metrics
from workers.core.multiprocess import SUPERVISED_ENV
from workers.core.stages import DEADLINES, INGRESS, STAGES
from workers.core.store import Store

log = logging.getLogger(__name__)

RESTART_DELAY_S = (1, 2, 5, 10, 30)
STABLE_AFTER_S = 60
STOP_GRACE_S = 35


@dataclass
class Child:
    """One supervised process and how often it had to be restarted lately."""

    name: str
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float = field(default=0.0)


def prepare(settings: Settings) -> None:
    """Bring the database schema up to date and declare the broker topology, once: the
    contract's exchanges and queues, and every stage's queues (QueueMismatch when one
    exists as a classic queue, before any worker starts)."""
    store = Store.from_url(settings.database_url)
    try:
        store.migrate()
    finally:
        store.dispose()
    publisher = AmqpPublisher(settings.broker_url_or_default)
    try:
        publisher.declare()
    finally:
        publisher.close()
    declare_stage_queues(settings.broker_url_or_default, [s.queue for s in STAGES.values()])


def supervise(settings: Settings, stop: threading.Event) -> int:
    """Run the whole pipeline until ``stop`` is set; returns the exit status."""
    prepare(settings)
    os.environ[SUPERVISED_ENV] = "1"  # the children leave /metrics to this process
    metrics = None
    if settings.metrics_port:
        metrics = serve_metrics(settings.metrics_port, Store.from_url(settings.database_url))
    children = [Child(INGRESS), Child(DEADLINES)] + [
        Child(name) for name in STAGES for _ in range(settings.worker_processes)
    ]
    try:
        while not stop.is_set():
            for child in children:
                _tend(child)
            stop.wait(0.5)
    finally:
        _stop_all(children)
        if metrics is not None:
            metrics.shutdown()
    return 0


def _tend(child: Child) -> None:
    now = time.monotonic()
    if child.process is not None and child.process.poll() is None:
        if now - child.started_at > STABLE_AFTER_S:
            child.failures = 0
        return
    if child.process is not None:
        log.error("process died, restarting", extra={"worker": child.name})
        forget_process(child.process.pid)
        delay = RESTART_DELAY_S[min(child.failures, len(RESTART_DELAY_S) - 1)]
        child.failures += 1
        child.process, child.restart_at = None, now + delay
    if now >= child.restart_at:
        child.process = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "worker", child.name]
        )
        child.started_at = now


def _stop_all(children: list[Child]) -> None:
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for process in running:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
