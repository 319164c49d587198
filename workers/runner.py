"""One process of the pipeline: a stage's dramatiq worker, or ingress with the outbox sweep."""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import threading

import dramatiq

from config.settings import Settings
from workers.bootstrap import Pipeline, bootstrap, sealer
from workers.core.broker import declare_stage_queues
from workers.core.errors import PermisError, TransientError
from workers.core.exposition import serve_metrics
from workers.core.multiprocess import SUPERVISED_ENV
from workers.core.stages import DEADLINES, DOCUMENTS, INGRESS, STAGES
from workers.core.topology import DECISIONS_QUEUE, SUBMISSIONS_QUEUE
from workers.deadlines.sweep import sweep
from workers.documents.render import warm_up
from workers.ingress.consumer import consume
from workers.seal.keys import SealKeyError

log = logging.getLogger(__name__)

OUTBOX_SWEEP_AGE_S = 30.0


def configuration_problem(name: str, settings: Settings) -> str | None:
    """Why process ``name`` cannot start with ``settings``, or None when it can."""
    if name != DOCUMENTS.name:
        return None
    if settings.seal_key is None or settings.seal_cert is None:
        return (
            "the documents stage seals what it issues: set PERMIS_SEAL_KEY and PERMIS_SEAL_CERT"
            " (`permis keys generate` writes development ones)"
        )
    try:
        sealer(settings)
    except SealKeyError as exc:
        return f"the seal cannot be used: {exc}"
    return None


def process_settings(name: str, settings: Settings) -> Settings:
    """The settings process ``name`` runs with: only the documents stage loads the seal's
    private key; no other process has it in memory."""
    update: dict[str, object] = {"broker_url": settings.broker_url_or_default}
    if name != DOCUMENTS.name:
        update["seal_key"] = None
    return settings.model_copy(update=update)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so the process stops cleanly."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def run_process(name: str, settings: Settings, stop: threading.Event) -> None:
    """Run ingress or one stage's worker against RabbitMQ until ``stop`` is set."""
    pipeline = bootstrap(process_settings(name, settings))
    if name == DOCUMENTS.name:
        warm_up()
    settle_heap()
    metrics = None
    if settings.metrics_port and not os.environ.get(SUPERVISED_ENV):
        # The dossier gauges are the database's, not the process's: one process exports
        # them, or a scrape of every scaled worker would count each dossier many times.
        store = pipeline.services.store if name == DEADLINES else None
        metrics = serve_metrics(settings.metrics_port, store)
    try:
        if name == INGRESS:
            run_ingress(pipeline, stop)
        elif name == DEADLINES:
            run_deadlines(pipeline, stop)
        else:
            run_stage(pipeline, name, stop)
    finally:
        if metrics is not None:
            metrics.shutdown()
        pipeline.close()


def settle_heap() -> None:
    """Leave what boot made out of the garbage collector's full passes.

    Modules, models, templates and pools live as long as the process; walking them is what
    a full collection spends its time on (85 ms or more with a stage's imports), with the
    GIL held, so every thread of the stage waits: the end-to-end latency's tail.
    """
    gc.collect()
    gc.freeze()


def run_stage(pipeline: Pipeline, name: str, stop: threading.Event) -> None:
    stage = STAGES[name]
    try:  # a queue that exists as a classic one stops the worker here, with why
        declare_stage_queues(pipeline.settings.broker_url_or_default, [stage.queue])
    except TransientError:
        log.warning("broker unreachable at start; the worker keeps trying", extra={"stage": name})
    worker = dramatiq.Worker(
        pipeline.broker, queues={stage.queue}, worker_threads=pipeline.settings.worker_threads
    )
    worker.start()
    log.info("stage worker started", extra={"stage": name})
    stop.wait()
    worker.stop(timeout=30_000)


def run_ingress(pipeline: Pipeline, stop: threading.Event) -> None:
    consumers = start_consumers(pipeline, stop)
    log.info("ingress started")
    sweep_outbox(pipeline, stop)
    for consumer in consumers:
        consumer.join()


def start_consumers(pipeline: Pipeline, stop: threading.Event) -> list[threading.Thread]:
    """One thread per external queue, each handing its messages to ingress."""
    url = pipeline.settings.broker_url_or_default
    routes = (
        (SUBMISSIONS_QUEUE, pipeline.ingress.take_portal),
        (DECISIONS_QUEUE, pipeline.ingress.take_decision),
    )
    threads = [
        threading.Thread(target=consume, args=(url, queue, handler, stop), name=f"ingress-{queue}")
        for queue, handler in routes
    ]
    for thread in threads:
        thread.start()
    return threads


def run_deadlines(pipeline: Pipeline, stop: threading.Event) -> None:
    """Sweep deadlines every interval; with several such processes, one holds the lease."""
    interval = pipeline.settings.sweep_interval_s
    holder = f"{socket.gethostname()}:{os.getpid()}"
    log.info("deadline sweeper started")
    while True:
        try:
            report = sweep(pipeline.services, holder, lease_s=interval * 3)
        except PermisError as exc:
            log.warning("deadline sweep failed", extra={"error": str(exc)})
        else:
            if report.done:
                log.info("deadline sweep", extra={"done": report.done})
        if stop.wait(interval):
            return


def sweep_outbox(pipeline: Pipeline, stop: threading.Event) -> None:
    """Publish outbox rows a crashed handler left behind, every relay interval."""
    while not stop.wait(pipeline.settings.outbox_relay_interval_s):
        try:
            published = pipeline.services.relay.sweep(OUTBOX_SWEEP_AGE_S)
        except PermisError as exc:
            log.warning("outbox sweep failed", extra={"error": str(exc)})
            continue
        if published:
            log.warning("outbox sweep published leftovers", extra={"count": published})
