"""The verification desk for tests: an authorization issued genuine, altered and forged,
a database that knows its replacement, and the desk served by uvicorn on a free port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from messages.seal import SealPayload
from tests.support.documents import context_for, submission
from tests.support.smtp import free_port
from workers.core.store import DocumentRecord, Store
from workers.desk.serve import desk_config
from workers.documents.contexts import seal_payload
from workers.documents.issuing import sealed_document
from workers.seal.code import sign_code
from workers.seal.keys import generate_seal, load_seal_key
from workers.seal.sealer import Sealer

NUMBER = "AT26-0000042-2-A1"
REPLACEMENT = "AT26-0000042-2-A2"


@dataclass(frozen=True)
class Issued:
    """One authorization as Permis issues it, and what a forger would make of it."""

    cert_file: Path
    payload: SealPayload
    pdf: bytes
    code: str
    tampered_pdf: bytes  # its number edited where it first stands (metadata): seal broken
    foreign_pdf: bytes  # the same document sealed by another key
    foreign_code: str  # its code signed by another key


def issue(directory: Path, number: str = NUMBER, sample: str = "01") -> Issued:
    """Seal an authorization with the development seal of ``directory`` (made if missing),
    and forge it with another key.
    """
    ours, other = (generate_seal(directory / name) for name in ("seal", "other"))
    sealer = Sealer(load_seal_key(ours.key_file, ours.cert_file))
    foreign = Sealer(load_seal_key(other.key_file, other.cert_file))
    context = context_for("authorization", submission(sample), document_number=number)
    payload = seal_payload(context)
    code, pdf = sealed_document(sealer, "authorization", context)
    foreign_code, foreign_pdf = sealed_document(foreign, "authorization", context)
    assert code is not None and foreign_code is not None
    tampered = pdf.replace(number.encode(), number[:-1].encode() + b"9", 1)
    assert tampered != pdf
    return Issued(ours.cert_file, payload, pdf, code, tampered, foreign_pdf, foreign_code)


def other_key_code(issued: Issued, directory: Path) -> str:
    """The payload signed by a key whose certificate nobody trusts."""
    written = generate_seal(directory)
    return sign_code(issued.payload, load_seal_key(written.key_file, written.cert_file))


def database_with_replacement(
    url: str, number: str = NUMBER, replacement: str = REPLACEMENT
) -> None:
    """A database where ``number`` was issued, then replaced by ``replacement``."""
    store = Store.from_url(url)
    store.migrate()
    with store.transaction() as tx:
        for issued, replaces in ((number, None), (replacement, number)):
            record = DocumentRecord(
                issued,
                number[:14],
                "authorization",
                "0" * 64,
                b"%PDF",
                date(2027, 1, 15),
                {},
                replaces,
            )
            tx.add_document(record, datetime(2027, 1, 15, tzinfo=UTC))
    store.dispose()


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served as ``permis desk`` serves it, on a free loopback port; its base URL,
    which also names the thread that serves it (``desk <base URL>``)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(desk_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, name=f"desk {base}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the desk did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)
