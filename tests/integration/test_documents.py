"""Issued documents on both databases: sealed, immutable, replaced by a new number only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from tests.conftest import SAMPLES
from tests.support.harness import Harness
from workers.admin import reissue_document, superseded_lookup
from workers.core.errors import PermisError
from workers.core.store import tables as t
from workers.documents.replacement import NotReplaceable
from workers.seal.keys import SEAL_CERT_FILE, load_certificate
from workers.seal.verify import Status, verify_pdf

NOW = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)


@pytest.fixture
def harness_start() -> datetime:
    return NOW


def granted(harness: Harness) -> str:
    body = (SAMPLES / "submissions" / "01-employee-cdi-introduction-paris.json").read_bytes()
    harness.submit(body)
    harness.run()
    (deposited,) = harness.events("dossier.deposited")
    number = str(deposited["data"]["dossier_number"])
    text = (SAMPLES / "decisions" / "granted.json").read_text()
    decision = json.loads(text.replace("<DOSSIER_NUMBER>", number))
    harness.decide(json.dumps(decision).encode(), "pf-nanterre")
    harness.run()
    assert harness.state(number) == "granted"
    return number


def pdf_of(harness: Harness, document_number: str) -> bytes:
    with harness.pipeline.services.store.transaction() as tx:
        document = tx.document(document_number)
    assert document is not None
    return document.content


def test_a_reissued_authorization_supersedes_the_first_and_is_sent_again(
    harness: Harness, keys_dir: Path
) -> None:
    number = granted(harness)
    first = f"{number}-A1"
    store = harness.pipeline.services.store
    certificate = load_certificate(keys_dir / SEAL_CERT_FILE)
    assert verify_pdf(pdf_of(harness, first), certificate, superseded_lookup(store)).genuine

    written, second = reissue_document(store, first, NOW)
    harness.pipeline.services.relay.publish(written)
    harness.run()

    assert second == f"{number}-A2"
    old = verify_pdf(pdf_of(harness, first), certificate, superseded_lookup(store))
    assert old.status is Status.SUPERSEDED and old.superseded_by == second
    new = verify_pdf(pdf_of(harness, second), certificate, superseded_lookup(store))
    assert new.genuine and new.payload is not None and new.payload.doc == second
    with store.transaction() as tx:
        assert tx.document(second).replaces == first  # type: ignore[union-attr]
    letters = [m for m in harness.emails() if m["X-Permis-Kind"] == "authorization_granted"]
    attached = sorted(p.get_filename() for m in letters for p in m.iter_attachments())
    assert attached == sorted([f"{first}.pdf"] * 2 + [f"{second}.pdf"] * 2)
    assert len({m["Message-ID"] for m in letters}) == 4

    with pytest.raises(NotReplaceable, match="already replaced"):
        reissue_document(store, first, NOW)
    with pytest.raises(LookupError):
        reissue_document(store, f"{number}-A9", NOW)


def test_of_two_reissues_asked_before_either_is_issued_only_the_first_is_issued(
    harness: Harness,
) -> None:
    number = granted(harness)
    first = f"{number}-A1"
    store = harness.pipeline.services.store
    written, second = reissue_document(store, first, NOW)
    written_again, third = reissue_document(store, first, NOW)  # asked before A2 exists
    harness.pipeline.services.relay.publish(written)
    harness.run()
    harness.pipeline.services.relay.publish(written_again)
    harness.run()
    (refused,) = harness.pipeline.broker.dead_letters  # for good, without a retry
    assert refused.args[0]["document_number"] == third and "retries" not in refused.options
    with store.transaction() as tx:
        assert tx.replacement_of(first) == second
        assert tx.document(third) is None


def test_an_issued_document_can_be_neither_changed_nor_deleted(harness: Harness) -> None:
    number = granted(harness)
    store = harness.pipeline.services.store
    documents = t.documents
    where = documents.c.number == f"{number}-A1"
    for statement in (
        update(documents).where(where).values(content=b"%PDF-forged"),
        update(documents).where(where).values(sha256="0" * 64),
        update(documents).where(where).values(replaces="AT26-0000001-0-A1"),
        delete(documents).where(where),
    ):
        with pytest.raises(PermisError), store.transaction() as tx:
            tx.conn.execute(statement)
    assert pdf_of(harness, f"{number}-A1").startswith(b"%PDF")
