"""The machine's RabbitMQ, administered with rabbitmqctl: a vhost of its own for each user."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def rabbitmqctl(*args: str, timeout_s: float = 120) -> str:
    """Run ``rabbitmqctl -q`` with ``args``; its output. RuntimeError, with what it said, when
    it fails."""
    command = ["rabbitmqctl", "-q", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {said}")
    return done.stdout


@contextmanager
def fresh_vhost(prefix: str) -> Iterator[str]:
    """A new vhost named ``prefix-<random>`` that guest may use, deleted afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        rabbitmqctl("delete_vhost", name)
