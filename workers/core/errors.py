"""The two errors every adapter raises, whatever library sits behind it.

    PermisError
     ├── TransientError   the world may heal: broker, database or SMTP unreachable,
     │                    a 4xx reply, a lock timeout. Retried with capped backoff.
     └── PermanentError   retrying cannot help: bad data, a 5xx reply, a missing row.
                          Never retried; the message is dead-lettered with its reason.

Adapters map library exceptions to these at their boundary (``raise ... from exc``),
so stages and middleware never import pika, SQLAlchemy or aiosmtplib to decide
whether to retry.
"""

from __future__ import annotations


class PermisError(Exception):
    """Base of every error Permis raises on purpose."""

    code = "error"


class TransientError(PermisError):
    """A failure that may succeed later: the message is retried."""

    code = "transient"


class PermanentError(PermisError):
    """A failure that will fail again: the message is not retried."""

    code = "permanent"
