"""The commands as a user runs them: `permis demo` unconfigured, `permis run` supervised."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import samples
from tests.support.amqp import Party
from tests.support.processes import children, clean_env, permis, stop, wait_until
from tests.support.smtp import HOST, Relay, free_port, wait_for_messages
from workers.core.topology import SUBMISSIONS_EXCHANGE
from workers.seal.keys import generate_seal

ROOT = Path(__file__).resolve().parents[2]


def filed_today(name: str) -> bytes:
    # The supervisor's deadline sweep runs on the real clock: a sample filed on its own
    # date would be refused by it two months later.
    return json.dumps(samples.filed_today(name)).encode()


@pytest.mark.timeout(120)
def test_demo_runs_with_nothing_configured_and_prints_what_happened(tmp_path: Path) -> None:
    result = subprocess.run(
        permis("demo"), cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=110
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "embedded (in-process broker)" in out
    assert "pf-nanterre" in out and "pf-avignon" in out
    assert "siret_invalid" in out and "schema at /data/job/contract/weekly_hours" in out
    assert "seen before: no new dossier, event or email" in out
    assert out.count("malformed") == 2
    assert "refused: signature_missing" in out
    assert out.count(" applied") == 5
    for state in ("granted", "refused", "withdrawn", "routed"):
        assert f" {state} " in out
    run = next((tmp_path / "permis-demo").glob("run-*"))
    assert len(list((run / "mail").glob("*.eml"))) == 21
    pdfs = sorted(p.name[-6:] for p in (run / "documents").glob("*.pdf"))
    assert pdfs == ["A1.pdf", "D1.pdf", "R1.pdf"]
    assert "A1.pdf: genuine (permis verify " in out


def distinct_message_ids(mails: list[EmailMessage]) -> int:
    return len({m["Message-ID"] for m in mails})


def wait_for_distinct(smtp: Relay, count: int, timeout_s: float = 60.0) -> list[EmailMessage]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        mails = list(smtp.handler.messages)
        if distinct_message_ids(mails) >= count:
            return mails
        time.sleep(0.1)
    return list(smtp.handler.messages)


@pytest.fixture
def metrics_port() -> int:
    return free_port()


@pytest.fixture
def supervisor(
    vhost: str, tmp_path: Path, smtp: Relay, metrics_port: int
) -> Iterator[subprocess.Popen[bytes]]:
    seal = generate_seal(tmp_path / "keys")
    env = clean_env(
        PERMIS_SEAL_KEY=str(seal.key_file),
        PERMIS_SEAL_CERT=str(seal.cert_file),
        PERMIS_BROKER_URL=vhost,
        PERMIS_DATABASE_URL=f"sqlite:///{tmp_path / 'permis.db'}",
        PERMIS_SMTP_HOST=HOST,
        PERMIS_SMTP_PORT=str(smtp.port),
        PERMIS_WORKER_THREADS="2",
        PERMIS_SWEEP_INTERVAL_S="1",  # the sweep sees the dossiers: it must leave them be
        PERMIS_METRICS_PORT=str(metrics_port),
    )
    process = subprocess.Popen(permis("run"), cwd=ROOT, env=env)
    try:
        yield process
    finally:
        stop(process)


@pytest.mark.timeout(180)
def test_permis_run_restarts_a_dead_worker_and_stops_cleanly_on_sigterm(
    supervisor: subprocess.Popen[bytes], vhost: str, smtp: Relay
) -> None:
    portal = Party(vhost)
    first = filed_today("01-employee-cdi-introduction-paris.json")
    second = filed_today("07-employee-renewal-private-individual-lyon.json")
    portal.publish_when_routed(SUBMISSIONS_EXCHANGE, first)
    assert distinct_message_ids(wait_for_messages(smtp, 1, timeout_s=60)) == 1

    (mail_worker,) = children(supervisor.pid, "worker mail")
    os.kill(mail_worker, signal.SIGKILL)
    assert wait_until(lambda: children(supervisor.pid, "worker mail") - {mail_worker})

    portal.publish(SUBMISSIONS_EXCHANGE, second)
    # Killed between the relay's acceptance and its record, the mail worker may send the
    # first email again on restart: with the same Message-ID, as CONTRACTS.md §8 allows.
    assert distinct_message_ids(wait_for_distinct(smtp, 2)) == 2
    portal.close()

    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=60) == 0
    assert not children(supervisor.pid, "workers.cli")


def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return parsed(exposition(port))


def exposition(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return str(r.read().decode())


def parsed(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(
    metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.timeout(180)
def test_permis_run_serves_the_metrics_of_every_worker_and_of_the_dossiers(
    supervisor: subprocess.Popen[bytes], vhost: str, smtp: Relay, metrics_port: int
) -> None:
    portal = Party(vhost)
    body = filed_today("01-employee-cdi-introduction-paris.json")
    portal.publish_when_routed(SUBMISSIONS_EXCHANGE, body)
    portal.publish(SUBMISSIONS_EXCHANGE, b"not json at all")
    assert len(wait_for_messages(smtp, 1, timeout_s=60)) == 1
    portal.close()

    stages = (("stage.intake", "take_in"), ("stage.routing", "route"), ("stage.mail", "send_email"))
    expected = [
        *(
            (("dramatiq_messages_total", {"queue_name": q, "actor_name": a}), 1.0)
            for q, a in stages
        ),
        (("permis_emails_total", {"kind": "deposit_confirmation", "status": "sent"}), 1.0),
        (("permis_messages_refused_total", {"channel": "portal", "code": "malformed"}), 1.0),
        (("permis_dossiers", {"state": "routed", "platform": "pf-nanterre"}), 1.0),
    ]

    def seen() -> list[float]:
        # A worker counts a message just after its actor returns: poll until all show.
        metrics = scrape(metrics_port)
        return [value(metrics, name, **labels) for (name, labels), _ in expected]

    wait_until(lambda: seen() == [count for _, count in expected], timeout_s=30)
    assert seen() == [count for _, count in expected]
    metrics = scrape(metrics_port)
    oldest = ("permis_oldest_waiting_dossier_age_seconds", frozenset({("platform", "pf-nanterre")}))
    assert oldest in metrics and 0 <= metrics[oldest] < 600  # created during this test
    text = exposition(metrics_port)
    for personal in ("@", "REDDY", "Quantiq"):
        assert personal not in text
