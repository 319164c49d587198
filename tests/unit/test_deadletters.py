"""Reading and replaying kept messages, whatever is in them: pure, no broker."""

from __future__ import annotations

import json

import pika
import pydantic
import pytest

from workers.core.broker import failure_reason
from workers.core.deadletters import dead_letter_queue, read, replayed
from workers.core.errors import PermanentError

MAIL, PORTAL = dead_letter_queue("mail"), dead_letter_queue("portal")


@pytest.mark.parametrize(
    "body", [b"", b"\xff\xfe not utf-8", b"[1, 2]", b'"text"', b"{not json", b"null"]
)
def test_a_body_that_is_not_dramatiqs_json_is_shown_as_unreadable(body: bytes) -> None:
    letter = read(MAIL, body, pika.BasicProperties())
    assert letter.reason == "unreadable" and letter.body == body


def test_the_reason_is_the_failure_else_the_tracebacks_last_line() -> None:
    message = {"message_id": "m1", "actor_name": "send_email", "options": {}}
    trace = "Traceback (most recent call last):\n  ...\nTransientError: relay down\n"
    with_trace = {**message, "options": {"traceback": trace, "retries": 10}}
    with_failure = {**message, "options": {"traceback": trace, "failure": "PermanentError: x"}}
    assert read(MAIL, json.dumps(message).encode(), pika.BasicProperties()).reason == "failed"
    assert read(MAIL, json.dumps(with_trace).encode(), pika.BasicProperties()).reason == (
        "TransientError: relay down"
    )
    assert read(MAIL, json.dumps(with_failure).encode(), pika.BasicProperties()).reason == (
        "PermanentError: x"
    )


def test_a_replayed_stage_message_loses_its_failure_marks_and_keeps_its_arguments() -> None:
    message = {
        "queue_name": "stage.mail.XQ",
        "actor_name": "send_email",
        "args": [{"dossier_number": "AT26-0000042-2"}],
        "message_id": "m1",
        "options": {
            "retries": 10,
            "traceback": "T",
            "failure": "F",
            "requeue_timestamp": 1,
            "eta": 5,
        },
    }
    letter = read(MAIL, json.dumps(message).encode(), pika.BasicProperties())
    body, _ = replayed(MAIL, letter)
    again = json.loads(body)
    assert again["options"] == {"retries": 0, "eta": 5}
    assert again["queue_name"] == "stage.mail" and again["args"] == message["args"]


def test_a_replayed_refused_message_keeps_its_bytes_and_headers_but_the_reasons() -> None:
    headers = {
        "permis-reason": "signature_invalid",
        "permis-reasons": "signature_invalid",
        "signature": "c2ln",
        "signature-key-id": "pf-tulle-1",
    }
    letter = read(PORTAL, b"\x00raw body", pika.BasicProperties(headers=headers))
    assert letter.reason == "signature_invalid"
    body, kept = replayed(PORTAL, letter)
    assert body == b"\x00raw body"
    assert kept == {"signature": "c2ln", "signature-key-id": "pf-tulle-1"}


def test_an_unknown_queue_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(LookupError, match="known: intake, routing"):
        dead_letter_queue("../../etc")


def test_a_dead_letter_keeps_our_errors_text_but_only_the_class_of_a_librarys() -> None:
    class Person(pydantic.BaseModel):
        email: int

    try:
        Person.model_validate({"email": "amina.diallo@example.org"})
    except pydantic.ValidationError as exc:
        library = exc
    assert failure_reason(library) == "ValidationError"
    assert failure_reason(PermanentError("no dossier AT26-0000042-2")) == (
        "PermanentError: no dossier AT26-0000042-2"
    )
