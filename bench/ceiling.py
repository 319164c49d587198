"""The ceiling: a chain of five no-op dramatiq actors over RabbitMQ, publisher confirms on.

    .venv/bin/python bench/ceiling.py --url amqp://guest:guest@127.0.0.1:5672/VHOST [--chains N]

Each actor does nothing but send the next; the fifth counts. What Permis does per
submission (five hops, each a confirmed publish and an ack) cannot be faster than this on
the same broker and machine; `bench/load.py` reports Permis as a ratio to it. Prints one
JSON object: chains per second, with the worker's threads and processes.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker

STEPS = 5


def measure(url: str, chains: int, threads: int, timeout_s: float) -> dict[str, Any]:
    broker = RabbitmqBroker(url=url, confirm_delivery=True)
    broker.emit_after("process_boot")
    done = threading.Semaphore(0)
    actors: list[dramatiq.Actor[Any, Any]] = []

    def step(index: int) -> Any:
        def hop(n: int) -> None:
            if index + 1 < STEPS:
                actors[index + 1].send(n)
            else:
                done.release()

        return dramatiq.actor(
            hop, broker=broker, actor_name=f"hop{index}", queue_name=f"ceiling.hop{index}"
        )

    actors.extend(step(i) for i in range(STEPS))
    for actor in actors:
        broker.declare_queue(actor.queue_name)
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    try:
        started = time.perf_counter()
        for n in range(chains):
            actors[0].send(n)
        deadline = started + timeout_s
        finished = 0
        while finished < chains and done.acquire(timeout=max(0.0, deadline - time.perf_counter())):
            finished += 1
        elapsed = time.perf_counter() - started
    finally:
        worker.stop()
        broker.close()
    return {
        "chains": finished,
        "seconds": round(elapsed, 3),
        "chains_per_s": round(finished / elapsed, 1),
        "steps": STEPS,
        "worker_threads": threads,
        "confirm_delivery": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--chains", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    print(json.dumps(measure(args.url, args.chains, args.threads, args.timeout)))


if __name__ == "__main__":
    main()
