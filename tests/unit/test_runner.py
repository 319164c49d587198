"""What each process of ``permis run`` is given of the settings."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from config.settings import Settings
from workers import runner
from workers.core.stages import PROCESS_NAMES
from workers.runner import process_settings

SETTINGS = Settings(
    _env_file=None,
    broker_url="amqp://guest:guest@127.0.0.1:5672/permis",
    seal_key=Path("/keys/seal.key.pem"),
    seal_cert=Path("/keys/seal.cert.pem"),
)


def test_the_documents_stage_alone_holds_the_seals_private_key() -> None:
    holders = [name for name in PROCESS_NAMES if process_settings(name, SETTINGS).seal_key]
    assert holders == ["documents"]


@pytest.mark.parametrize("name", PROCESS_NAMES)
def test_every_process_keeps_the_certificate_and_the_rest(name: str) -> None:
    given = process_settings(name, SETTINGS)
    assert given.seal_cert == SETTINGS.seal_cert
    assert given.broker_url == SETTINGS.broker_url
    kept = given.model_dump(exclude={"seal_key"}) == SETTINGS.model_dump(exclude={"seal_key"})
    assert kept


@pytest.mark.parametrize("name", PROCESS_NAMES)
def test_each_process_is_built_from_its_own_settings(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Settings] = []

    class Built(Exception):
        pass

    def bootstrap(settings: Settings) -> None:
        built.append(settings)
        raise Built

    monkeypatch.setattr(runner, "bootstrap", bootstrap)
    with pytest.raises(Built):
        runner.run_process(name, SETTINGS, threading.Event())
    assert built == [process_settings(name, SETTINGS)]


@pytest.mark.parametrize(
    ("name", "steps"),
    [("intake", ["frozen", "ran", "closed"]), ("documents", ["warmed", "frozen", "ran", "closed"])],
)
def test_what_boot_made_is_frozen_before_the_stage_runs(
    name: str, steps: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    class Pipeline:
        def close(self) -> None:
            seen.append("closed")

    monkeypatch.setattr(runner, "bootstrap", lambda settings: Pipeline())
    monkeypatch.setattr(runner, "warm_up", lambda: seen.append("warmed"))
    monkeypatch.setattr(runner.gc, "freeze", lambda: seen.append("frozen"))
    monkeypatch.setattr(runner, "run_stage", lambda *args: seen.append("ran"))
    runner.run_process(name, SETTINGS.model_copy(update={"metrics_port": 0}), threading.Event())
    assert seen == steps
