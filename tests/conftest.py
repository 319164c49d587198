"""Real services for the tests: a RabbitMQ vhost, a database (SQLite or PostgreSQL), SMTP.

Each test gets its own vhost, its own database (a SQLite file or a PostgreSQL schema)
and its own SMTP server on a free port, so tests never see each other's messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from tests.support.rabbit import fresh_vhost
from tests.support.smtp import Relay
from workers.core.store.database import engine_url

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
# A PostgreSQL nobody answers on, and quickly says so.
UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
RABBITMQ_HOST = "127.0.0.1:5672"
SAMPLES = Path(__file__).resolve().parents[1] / "messages" / "samples"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("faults", "the fault suite's load (tests/faults)")
    group.addoption("--fault-rate", default=20.0, help="submissions per second")
    group.addoption("--fault-seconds", default=15.0, help="how long the load lasts")
    group.addoption("--fault-report", default=None, help="append each scenario's figures here")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault suite is marked ``faults`` and runs last: it starts a broker cluster and
    a database pair of its own, which load the machine. Its scenarios of the cluster and
    the pair, and their own checks, are marked ``cluster`` in their files."""
    faults = Path(__file__).parent / "faults"
    for item in items:
        if faults in item.path.parents:
            item.add_marker(pytest.mark.faults)
    items.sort(key=lambda item: faults in item.path.parents)


@pytest.fixture
def vhost() -> Iterator[str]:
    """A fresh RabbitMQ vhost for this test; its AMQP URL is yielded."""
    with fresh_vhost("permis-test") as name:
        yield f"amqp://guest:guest@{RABBITMQ_HOST}/{name}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'permis.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, reached through the URL's search_path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(
        engine_url(POSTGRES_URL),
        pool_pre_ping=True,
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def smtp() -> Iterator[Relay]:
    """A real SMTP server (aiosmtpd) on a free loopback port, recording what it accepts."""
    sink = Relay()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
