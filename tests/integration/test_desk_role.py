"""The desk's own database role: it reads what replaced a document, and nothing else."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from config.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.support.desk import NUMBER, REPLACEMENT, database_with_replacement, issue, served
from tests.support.processes import clean_env, permis
from workers.core.errors import PermanentError
from workers.core.store import Store
from workers.core.store.database import engine_url
from workers.desk.app import create_app

pytestmark = pytest.mark.timeout(120)


def grant(role: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        permis("grant-desk", role),
        cwd=cwd,
        env=clean_env(PERMIS_DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(params=["plain", "needs-quoting"])
def role(request: pytest.FixtureRequest) -> Iterator[str]:
    """A login role of its own, with no privilege, dropped afterwards with what it was granted;
    one named plainly, one whose name only reads quoted (a quote, capitals, SQL)."""
    tag = uuid.uuid4().hex[:10]
    name = f"desk_{tag}" if request.param == "plain" else f'Desk "{tag}"; DROP TABLE documents;--'
    quoted = '"' + name.replace('"', '""') + '"'
    admin = sqlalchemy.create_engine(engine_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {quoted} LOGIN")
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {quoted}")
            conn.exec_driver_sql(f"DROP ROLE {quoted}")
        admin.dispose()


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


def test_the_desk_role_sees_replacements_and_not_the_dossiers(
    role: str, postgres_url: str, tmp_path: Path
) -> None:
    database_with_replacement(postgres_url)
    desk_url = as_role(postgres_url, role)
    store = Store.from_url(desk_url)
    try:
        unseen = pytest.raises(PermanentError, match="UndefinedTable")  # no use of the schema
        with unseen, store.transaction() as tx:
            tx.replacement_of(NUMBER)  # nothing granted yet

        for _ in range(2):  # compose grants again at every start
            done = grant(role, postgres_url, tmp_path)
            assert done.returncode == 0, done.stderr
            assert role in done.stdout

        with store.transaction() as tx:
            assert tx.replacement_of(NUMBER) == REPLACEMENT
        for forbidden in ("SELECT content FROM documents", "SELECT * FROM dossiers"):
            denied = pytest.raises(PermanentError, match="InsufficientPrivilege")
            with denied, store.transaction() as tx:
                tx.conn.exec_driver_sql(forbidden).all()
    finally:
        store.dispose()


def test_the_desk_on_its_role_names_the_replacement(
    role: str, postgres_url: str, tmp_path: Path
) -> None:
    issued = issue(tmp_path / "keys")
    database_with_replacement(postgres_url)
    assert grant(role, postgres_url, tmp_path).returncode == 0
    settings = Settings(seal_cert=issued.cert_file, database_url=as_role(postgres_url, role))
    with served(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as client:
        answer = client.post("/api/v1/verify/code", json={"code": issued.code}).json()
    assert answer["status"] == "superseded" and answer["superseded_by"] == REPLACEMENT
    assert answer["replacement_checked"] is True


def test_a_grant_before_the_migrations_says_so(
    role: str, postgres_url: str, tmp_path: Path
) -> None:
    done = grant(role, postgres_url, tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert "permis grant-desk: database: UndefinedTable" in done.stderr


@pytest.mark.parametrize("target", ["missing role", "sqlite"])
def test_a_grant_that_cannot_be_made_says_why(
    target: str, postgres_url: str, tmp_path: Path
) -> None:
    if target == "sqlite":
        done = grant("desk", f"sqlite:///{tmp_path / 'permis.db'}", tmp_path)
        assert "PostgreSQL" in done.stderr
    else:
        done = grant(f"nobody_{uuid.uuid4().hex[:8]}", postgres_url, tmp_path)
        assert "no database role" in done.stderr
    assert done.returncode == 1
    assert done.stdout == ""
