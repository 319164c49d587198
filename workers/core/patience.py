"""Waiting in place for a transient failure to pass, where retrying the message costs more.

Most work is retried by re-running its message (dramatiq's Retries). A few steps must
not be: once the SMTP relay has accepted an email, re-running the message would send it
again (under the same Message-ID) as soon as its claim lapses. Such a step waits here
for the database to come back instead, for a bounded time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from workers.core.errors import TransientError

T = TypeVar("T")

PAUSES_S = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
"""About 16 s in all: a database restart or failover, well inside the 60 s time limit."""


def patiently(
    step: Callable[[], T],
    pauses_s: Sequence[float] = PAUSES_S,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``step``, again after each pause while it fails transiently; the last failure
    is raised once the pauses are spent."""
    for pause in pauses_s:
        try:
            return step()
        except TransientError:
            sleep(pause)
    return step()
