"""Logs as one JSON object per line, with the message and dossier being handled, and
nothing personal: a stage's message is named by its actor and id, never shown whole.

dramatiq logs a failing message as ``actor(args…)``, and a portal message's args are the
submission itself; ``Redact`` replaces any such message by ``actor#id`` before a handler
formats it.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

CONTEXT: ContextVar[dict[str, str]] = ContextVar("permis_log_context", default={})  # noqa: B039
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class LogContext(Middleware):
    """Puts the stage message's id, actor and dossier into every log line it causes."""

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        payload = message.args[0] if message.args and isinstance(message.args[0], dict) else {}
        context = {"message_id": message.message_id, "actor": message.actor_name}
        dossier = payload.get("dossier_number")
        if isinstance(dossier, str):
            context["dossier"] = dossier
        CONTEXT.set(context)

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        CONTEXT.set({})

    after_skip_message = after_process_message


class Redact(logging.Filter):
    """Replaces a dramatiq message among a record's arguments by its actor and id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(map(_is_message, record.args)):
            record.args = tuple(_named(arg) if _is_message(arg) else arg for arg in record.args)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
            **CONTEXT.get(),
        }
        entry.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: int, *, as_json: bool) -> None:
    """The root logger's one handler: JSON lines, or short text for a person at a terminal."""
    handler = logging.StreamHandler()
    handler.addFilter(Redact())
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("pika", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _is_message(value: object) -> bool:
    return isinstance(value, dramatiq.Message | dramatiq.MessageProxy)


def _named(message: Any) -> str:
    return f"{message.actor_name}#{message.message_id}"
