"""docker-compose.yml runs every process `permis run` would, on the engines of production."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from workers.core.stages import PROCESS_NAMES

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


ROOT = Path(__file__).resolve().parents[2]
ONE_SHOT = {"keys", "migrate", "desk-access"}


def services() -> tuple[dict[str, Any], dict[str, Any]]:
    document = yaml.safe_load(COMPOSE)
    return dict(document["services"]), dict(document.get("volumes") or {})


def test_every_service_has_an_image_and_the_long_running_ones_a_healthcheck() -> None:
    found, _ = services()
    expected = {"rabbitmq", "postgres", "mailpit", "prometheus", "grafana", "desk", *ONE_SHOT}
    assert expected | set(PROCESS_NAMES) == set(found)
    for name, service in found.items():
        assert "image" in service or "build" in service, name
        if name not in ONE_SHOT:
            test = service.get("healthcheck", {}).get("test")
            assert test and test[0] == "CMD", name


def test_every_dependency_and_volume_exists() -> None:
    found, named = services()
    for name, service in found.items():
        for dependency, how in (service.get("depends_on") or {}).items():
            assert dependency in found, (name, dependency)
            wanted = (
                "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            )
            assert how["condition"] == wanted, (name, dependency)
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
            else:
                assert source in named, (name, source)


def test_prometheus_scrapes_every_worker_and_loads_the_alerts() -> None:
    config = yaml.safe_load((ROOT / "ops" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs["permis"]["dns_sd_configs"][0]["names"]) == set(PROCESS_NAMES)
    assert jobs["permis"]["dns_sd_configs"][0]["port"] == 9191
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_the_desk_serves_with_the_certificate_alone_and_stores_nothing() -> None:
    desk = services()[0]["desk"]
    assert desk["command"] == ["desk", "--host", "0.0.0.0"]
    assert desk["environment"]["PERMIS_SEAL_CERT"].startswith("/keys/")
    assert "PERMIS_SEAL_KEY" not in desk["environment"]
    assert desk["volumes"] == ["permis-keys:/keys:ro"]
    assert desk["user"] == "65534:65534" and desk["read_only"] is True  # nobody
    assert desk["ports"] == ["8080:8080"] and "/healthz" in " ".join(desk["healthcheck"]["test"])
    # The seal alone answers when the database is down: the desk does not wait for it.
    assert set(desk["depends_on"]) == {"keys"}


def test_the_desk_reads_the_database_as_its_own_role_granted_after_the_migrations() -> None:
    compose = services()[0]
    desk_url = compose["desk"]["environment"]["PERMIS_DATABASE_URL"]
    assert desk_url.startswith("postgresql://permis_desk:")
    access = compose["desk-access"]
    assert access["command"] == ["grant-desk", "permis_desk"]
    assert access["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    init = "./ops/postgres/desk-role.sql:/docker-entrypoint-initdb.d/10-desk-role.sql:ro"
    assert init in compose["postgres"]["volumes"]
    role_sql = (Path(__file__).resolve().parents[2] / "ops/postgres/desk-role.sql").read_text()
    assert "CREATE ROLE permis_desk LOGIN" in role_sql
