"""The Grafana dashboards of ops/grafana: well formed, provisioned, and every series they
plot is one that Permis, dramatiq or RabbitMQ's plugin really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from workers.core import exposition, metrics

GRAFANA = Path(__file__).resolve().parents[2] / "ops" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
# What dramatiq's Prometheus middleware and RabbitMQ's plugin export, as used here.
FOREIGN = {
    "dramatiq_messages_total",
    "dramatiq_message_duration_milliseconds_bucket",
    "dramatiq_message_errors_total",
    "rabbitmq_queue_messages",
    "rabbitmq_queue_messages_ready",
    "rabbitmq_queue_messages_unacked",
    "rabbitmq_queue_consumers",
    "rabbitmq_global_messages_received_total",
    "rabbitmq_global_messages_delivered_total",
    "rabbitmq_connections",
    "rabbitmq_channels",
    "rabbitmq_process_resident_memory_bytes",
    "rabbitmq_alarms_memory_used_watermark",
    "rabbitmq_alarms_free_disk_space_watermark",
}
PROMQL_WORDS = {"sum", "by", "rate", "increase", "histogram_quantile", "le"}


def ours() -> set[str]:
    """Every series name Permis exports: its counters, and the store's gauges."""
    names = {
        f"{counter._name}_total"
        for counter in vars(metrics).values()
        if type(counter).__name__ == "Counter"
    }
    source = Path(exposition.__file__).read_text()
    return names | set(re.findall(r'GaugeMetricFamily\(\s*"([a-z_]+)"', source))


def series(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"|\{[^}]*\}|\bby\s*\([^)]*\)', "", expr)
    words = set(re.findall(r"[a-z_][a-z0-9_]*", without_strings))
    return {w for w in words if "_" in w and w not in PROMQL_WORDS}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_plots_series_that_exist(path: Path) -> None:
    dashboard: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["panels"]
    known = ours() | FOREIGN
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "prometheus", panel["title"]
        for target in panel["targets"]:
            unknown = series(target["expr"]) - known
            assert not unknown, (panel["title"], unknown)


def test_the_pipeline_dashboard_shows_what_ops_asked_for() -> None:
    dashboard = json.loads((GRAFANA / "dashboards" / "permis.json").read_text())
    plotted = {
        name for p in dashboard["panels"] for t in p["targets"] for name in series(t["expr"])
    }
    assert ours() <= plotted  # every Permis metric is on it


def test_grafana_is_provisioned_with_prometheus_and_the_dashboards() -> None:
    sources = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert sources["datasources"][0]["uid"] == "prometheus"
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "permis.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert {p.name for p in DASHBOARDS} == {"permis.json", "rabbitmq.json"}
