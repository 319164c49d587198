"""docker-compose.yml runs every process `permis run` would, on the engines of production."""

from __future__ import annotations

import re
from pathlib import Path

from workers.runner import PROCESS_NAMES

COMPOSE = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()


def test_every_permis_process_has_its_service() -> None:
    commands = set(re.findall(r'command: \["worker", "([a-z]+)"\]', COMPOSE))
    assert commands == set(PROCESS_NAMES)


def test_the_schema_is_prepared_once_before_the_workers() -> None:
    assert 'command: ["prepare"]' in COMPOSE
    assert "condition: service_completed_successfully" in COMPOSE


def test_the_engines_of_production_are_there_with_healthchecks() -> None:
    for image in ("rabbitmq:", "postgres:", "axllent/mailpit"):
        assert f"image: {image}" in COMPOSE
    assert COMPOSE.count("healthcheck:") >= 3


def test_the_workers_get_the_keys_made_once_before_them() -> None:
    assert 'command: ["keys", "generate", "--dir", "/keys"]' in COMPOSE
    for setting in ("PERMIS_SEAL_KEY", "PERMIS_SEAL_CERT", "PERMIS_DECISION_KEYS"):
        assert re.search(rf"^    {setting}: /keys/", COMPOSE, re.MULTILINE), setting
    assert "volumes: [permis-keys:/keys:ro]" in COMPOSE


def test_the_broker_loads_the_definitions_and_workers_use_their_own_user() -> None:
    assert "./ops/rabbitmq/definitions.json:/etc/rabbitmq/definitions.json:ro" in COMPOSE
    conf = (Path(__file__).resolve().parents[2] / "ops" / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "load_definitions = /etc/rabbitmq/definitions.json" in conf
    urls = set(re.findall(r"PERMIS_BROKER_URL: (\S+)", COMPOSE))
    assert urls == {"amqp://permis-workers:permis-workers@rabbitmq:5672/permis"}
