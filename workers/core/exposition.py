"""Metrics over HTTP for Prometheus: every process's counters, and the dossiers' gauges.

Each Permis process writes its counters (dramatiq's and Permis's own) to files in one
directory (prometheus-client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``), so
``permis run`` serves the sum of all its workers on one port, restarts included; a
``permis worker`` run alone serves its own. The gauges about dossiers (by state and
platform, the oldest waiting, the deadlines near and past) are read from the store at
each scrape: they describe the data, not one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from workers.core.errors import PermisError
from workers.core.multiprocess import metrics_are_shared
from workers.core.store import Store
from workers.core.store import tables as t

WAITING_STATES = ("deposited", "routed", "awaiting_documents")
WARNING_DAYS = 10


def serve_metrics(port: int, store: Store | None) -> Any:
    """Serve ``/metrics`` on ``port``: every process's counters, and the store's gauges."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    if store is not None:
        registry.register(DossierGauges(store))
    server, _thread = start_http_server(port, registry=registry)
    return server


def forget_process(pid: int) -> None:
    """A process died: drop its live gauges (its counters stay counted)."""
    if metrics_are_shared():
        multiprocess.mark_process_dead(pid)


class DossierGauges(Collector):
    """Dossiers by state and platform, the oldest waiting per platform, deadlines near and past."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = datetime.now(UTC)
        try:
            rows, oldest, deadlines = self._read(now.date())
        except PermisError:
            return  # the store is down: the scrape still shows every counter
        by_state = GaugeMetricFamily(
            "permis_dossiers", "Dossiers by state and platform.", labels=["state", "platform"]
        )
        for state, platform, count in rows:
            by_state.add_metric([state, platform or "none"], count)
        yield by_state
        waiting = GaugeMetricFamily(
            "permis_oldest_waiting_dossier_age_seconds",
            "Age of the oldest dossier waiting for a decision (routed or awaiting documents).",
            labels=["platform"],
        )
        for platform, created in oldest:
            waiting.add_metric([platform or "none"], (now - _aware(created)).total_seconds())
        yield waiting
        near = GaugeMetricFamily(
            "permis_deadlines",
            f"Open dossiers whose silence deadline is within {WARNING_DAYS} days, or past.",
            labels=["when", "platform"],
        )
        for when, platform, count in deadlines:
            near.add_metric([when, platform or "none"], count)
        yield near

    def _read(self, today: date) -> tuple[list[Any], list[Any], list[Any]]:
        d = t.dossiers.c
        soon = today + timedelta(days=WARNING_DAYS)
        waiting = d.state.in_(WAITING_STATES)
        with self.store.transaction() as tx:
            rows = tx.conn.execute(
                select(d.state, d.platform, func.count()).group_by(d.state, d.platform)
            ).all()
            oldest = tx.conn.execute(
                select(d.platform, func.min(d.created_at)).where(waiting).group_by(d.platform)
            ).all()
            deadlines = [
                (when, platform, count)
                for when, condition in (
                    ("approaching", (d.deadline >= today) & (d.deadline <= soon)),
                    ("passed", d.deadline < today),
                )
                for platform, count in tx.conn.execute(
                    select(d.platform, func.count()).where(waiting, condition).group_by(d.platform)
                ).all()
            ]
        return list(rows), list(oldest), deadlines


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
