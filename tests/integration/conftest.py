"""Fixtures of the end-to-end tests: the pipeline in-process on real services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import Settings
from tests.support.amqp import Party
from tests.support.harness import Harness
from tests.support.smtp import HOST, Relay
from tests.support.world import World
from workers.bootstrap import bootstrap
from workers.core.topology import CASES_EXCHANGE, EVENTS_EXCHANGE
from workers.inprocess import serving
from workers.seal.keys import SEAL_CERT_FILE, SEAL_KEY_FILE, generate_seal
from workers.signatures.keys import KEYS_FILE, generate_keys
from workers.supervisor import prepare

PLATFORMS = ("pf-nanterre", "pf-tulle", "pf-avignon")


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    """Development keys of a few platforms, the decision keys file naming them, and a seal."""
    directory = tmp_path / "keys"
    generate_keys(directory, PLATFORMS)
    generate_seal(directory)
    return directory


@pytest.fixture
def world(vhost: str, database_url: str, smtp: Relay, keys_dir: Path) -> Iterator[World]:
    settings = Settings(
        broker_url=vhost,
        database_url=database_url,
        smtp_host=HOST,
        smtp_port=smtp.port,
        decision_keys=keys_dir / KEYS_FILE,
        seal_key=keys_dir / SEAL_KEY_FILE,
        seal_cert=keys_dir / SEAL_CERT_FILE,
    )
    prepare(settings)
    portal = Party(vhost)
    events, cases = portal.listen(EVENTS_EXCHANGE), portal.listen(CASES_EXCHANGE)
    with serving(bootstrap(settings)):
        yield World(settings, portal, events, cases, smtp)
    portal.close()


@pytest.fixture
def harness_start() -> datetime:
    """When a harness's clock starts: a module sets its own scene by overriding this."""
    return datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def harness(
    database_url: str, tmp_path: Path, keys_dir: Path, harness_start: datetime
) -> Iterator[Harness]:
    """The pipeline in-process on the in-process broker and a real database, its clock moved
    by the test."""
    harness = Harness(database_url, tmp_path, keys_dir, harness_start)
    yield harness
    harness.close()
