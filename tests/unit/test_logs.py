"""Log lines: JSON with the message's context, and a stage message never shown whole."""

from __future__ import annotations

import io
import json
import logging

import dramatiq

from workers.core.logs import CONTEXT, JsonFormatter, LogContext, Redact


def capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"test.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_a_failing_message_is_named_by_actor_and_id_not_by_its_content() -> None:
    logger, stream = capture()
    message = dramatiq.Message(
        queue_name="stage.intake",
        actor_name="take_in",
        args=({"body": '{"employee": {"last_name": "DIOP", "email": "a@b.example"}}'},),
        kwargs={},
        options={},
    )
    logger.error("Failed to process message %s with unhandled exception.", message)
    line = json.loads(stream.getvalue())
    assert (
        line["message"]
        == f"Failed to process message take_in#{message.message_id} with unhandled exception."
    )
    assert "DIOP" not in stream.getvalue() and "@" not in stream.getvalue()


def test_lines_carry_the_stage_message_and_dossier_and_the_extras() -> None:
    logger, stream = capture()
    message = dramatiq.Message(
        queue_name="stage.mail",
        actor_name="send_email",
        args=({"dossier_number": "AT26-0000042-2", "kind": "deposit_confirmation"},),
        kwargs={},
        options={},
    )
    LogContext().before_process_message(dramatiq.get_broker(), message)
    logger.warning("email failed for good", extra={"reason": "reply 550"})
    LogContext().after_process_message(dramatiq.get_broker(), message)
    logger.info("after")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message_id"] == message.message_id and first["actor"] == "send_email"
    assert first["dossier"] == "AT26-0000042-2" and first["reason"] == "reply 550"
    assert first["level"] == "WARNING" and first["time"].endswith("+00:00")
    assert "dossier" not in second and CONTEXT.get() == {}
