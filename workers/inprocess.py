"""The whole pipeline inside one process: dramatiq worker threads, and ingress when on RabbitMQ.

Used by ``permis demo`` and by the end-to-end tests; ``permis run`` uses processes instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dramatiq
from dramatiq.brokers.stub import StubBroker

from workers.bootstrap import Pipeline
from workers.runner import start_consumers


@contextmanager
def serving(pipeline: Pipeline, worker_threads: int = 4) -> Iterator[Pipeline]:
    """Run every stage (and ingress, over RabbitMQ) until the block ends; then close all."""
    pipeline.services.store.migrate()
    worker = dramatiq.Worker(pipeline.broker, worker_threads=worker_threads)
    worker.start()
    stop = threading.Event()
    consumers = start_consumers(pipeline, stop) if pipeline.settings.broker_url else []
    try:
        yield pipeline
    finally:
        stop.set()
        for consumer in consumers:
            consumer.join()
        worker.stop()
        pipeline.close()


def drain(broker: dramatiq.Broker) -> None:
    """Wait until the in-process broker's queues (delayed retries included) are empty."""
    assert isinstance(broker, StubBroker), "only the in-process broker can be drained"
    while any(queue.unfinished_tasks for queue in list(broker.queues.values())):
        for name in list(broker.queues):
            broker.join(name, fail_fast=False)
