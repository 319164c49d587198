"""Logs as one JSON object per line, with the message and dossier being handled, and
nothing personal: a stage's message is named by its actor and id, never shown whole.

dramatiq logs a failing message as ``actor(args…)``, and a portal message's args are the
submission itself; ``Redact`` replaces any such message by ``actor#id`` before a handler
formats it.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

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


def configure(level: int, *, as_json: bool, file: Path | None = None) -> None:
    """The root logger's handler: JSON lines, or short text for a person at a terminal.

    With ``file``, the log goes there as JSON and the terminal shows errors only (the
    demo's own account stays readable).
    """
    if file is None:
        handlers = [_handler(logging.StreamHandler(), level, as_json=as_json)]
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers = [
            _handler(logging.FileHandler(file, encoding="utf-8"), level, as_json=True),
            _handler(logging.StreamHandler(), logging.ERROR, as_json=as_json),
        ]
    root = logging.getLogger()
    for old in root.handlers:
        if getattr(old, "permis", False):
            old.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for noisy in ("pika", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def capture_warnings(held: Iterable[warnings.WarningMessage] = ()) -> None:
    """From now on a Python warning is a record of ``py.warnings``, so no library prints a
    raw line beside the log; ``held`` are those recorded before, logged first."""
    warnings.showwarning = _log_warning
    for caught in held:
        _log_warning(caught.message, caught.category, caught.filename, caught.lineno)


def _handler(handler: logging.Handler, level: int, *, as_json: bool) -> logging.Handler:
    handler.permis = True  # type: ignore[attr-defined]
    handler.setLevel(level)
    handler.addFilter(Redact())
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
        )
    return handler


_WARNINGS = logging.getLogger("py.warnings")
_SHOW_WARNING = warnings.showwarning


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    if file is not None:  # asked for a given stream, as warnings' own callers may
        _SHOW_WARNING(message, category, filename, lineno, file, line)
        return
    _WARNINGS.warning(
        str(message), extra={"category": category.__name__, "source": f"{filename}:{lineno}"}
    )


def _is_message(value: object) -> bool:
    return isinstance(value, dramatiq.Message | dramatiq.MessageProxy)


def _named(message: Any) -> str:
    return f"{message.actor_name}#{message.message_id}"
