"""The alert rules of ops/prometheus, run by promtool on made-up series: each fires when it
should, says what it should, and stays quiet otherwise."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.timeout(60)

RULES = Path(__file__).resolve().parents[2] / "ops" / "prometheus" / "alerts.yml"
PROMTOOL = shutil.which("promtool")

# alert: (series and their values, step, when to look, labels expected, summary expected)
FIRING: dict[str, tuple[dict[str, str], str, str, dict[str, str], str]] = {
    "PermisQueueGrowing": (
        {'rabbitmq_queue_messages_ready{queue="stage.mail"}': "100+10x40"},
        "1m",
        "25m",
        {"queue": "stage.mail"},
        "stage.mail keeps growing (350 waiting)",
    ),
    "PermisNoConsumers": (
        {'rabbitmq_queue_consumers{queue="stage.documents"}': "0x10"},
        "1m",
        "6m",
        {"queue": "stage.documents"},
        "Nobody consumes stage.documents",
    ),
    "PermisDeadLetters": (
        {'rabbitmq_queue_messages{queue="agents.decisions.rejected"}': "2x10"},
        "1m",
        "6m",
        {"queue": "agents.decisions.rejected"},
        "2 message(s) kept in agents.decisions.rejected",
    ),
    "PermisDeadLettersExpiring": (
        # a sample every 4 minutes: within the 5-minute lookback, so the series never lapses
        {'rabbitmq_queue_messages{queue="stage.mail.XQ"}': "1x1900"},
        "4m",
        "121h",
        {"queue": "stage.mail.XQ"},
        "stage.mail.XQ has held dead letters for 5 days: they expire at 7",
    ),
    "PermisStageErrors": (
        {
            'dramatiq_messages_total{queue_name="stage.mail",actor_name="send_email"}': "0+10x30",
            'dramatiq_message_errors_total{queue_name="stage.mail",actor_name="send_email"}': (
                "0+2x30"
            ),
        },
        "1m",
        "16m",
        {"queue_name": "stage.mail"},
        "More than 10% of stage.mail's messages fail",
    ),
    "PermisEmailsFailing": (
        {'permis_emails_total{kind="authorization_granted",status="failed"}': "0 0 1 1 1"},
        "1m",
        "3m",
        {"kind": "authorization_granted"},
        "authorization_granted emails refused for good by the relay",
    ),
    "PermisSmtpUnreachable": (
        {'permis_stage_failures_total{queue="stage.mail",error="TransientError"}': "0+5x20"},
        "1m",
        "12m",
        {},
        "The mail stage keeps failing to reach the relay",
    ),
    "PermisDeadlinesApproaching": (
        {'permis_deadlines{when="approaching",platform="pf-tulle"}': "3x90"},
        "1m",
        "61m",
        {"platform": "pf-tulle"},
        "3 dossier(s) of pf-tulle reach their silence deadline within 10 days",
    ),
    "PermisDeadlinesPassed": (
        {'permis_deadlines{when="passed",platform="pf-cayenne"}': "1x40"},
        "1m",
        "31m",
        {"platform": "pf-cayenne"},
        "1 open dossier(s) of pf-cayenne are past their deadline",
    ),
    "PermisDecisionsRefusedSpike": (
        {'permis_decisions_refused_total{code="signature_invalid"}': "0+2x20"},
        "1m",
        "12m",
        {"code": "signature_invalid"},
        "More than 10 agents' messages refused (signature_invalid) in 10 minutes",
    ),
}

# The same alerts on healthy series: nothing fires.
QUIET: dict[str, tuple[dict[str, str], str, str]] = {
    "PermisQueueGrowing": (
        {'rabbitmq_queue_messages_ready{queue="stage.mail"}': "500x40"},
        "1m",
        "30m",
    ),
    "PermisNoConsumers": ({'rabbitmq_queue_consumers{queue="stage.mail"}': "2x10"}, "1m", "9m"),
    "PermisDeadLetters": ({'rabbitmq_queue_messages{queue="stage.mail.XQ"}': "0x10"}, "1m", "9m"),
    "PermisDeadLettersExpiring": (
        {'rabbitmq_queue_messages{queue="stage.mail.XQ"}': "1x1900"},
        "4m",
        "119h",
    ),
    "PermisStageErrors": (
        {
            'dramatiq_messages_total{queue_name="stage.mail",actor_name="send_email"}': "0+10x30",
            'dramatiq_message_errors_total{queue_name="stage.mail",actor_name="send_email"}': (
                "0+0x30"
            ),
        },
        "1m",
        "20m",
    ),
    "PermisEmailsFailing": (
        {'permis_emails_total{kind="authorization_granted",status="failed"}': "1x30"},
        "1m",
        "25m",
    ),
    "PermisSmtpUnreachable": (
        {'permis_stage_failures_total{queue="stage.mail",error="TransientError"}': "0+1x20"},
        "1m",
        "12m",
    ),
    "PermisDeadlinesApproaching": (
        {'permis_deadlines{when="approaching",platform="pf-tulle"}': "3x90"},
        "1m",
        "59m",
    ),
    "PermisDeadlinesPassed": (
        {'permis_deadlines{when="passed",platform="pf-tulle"}': "0x40"},
        "1m",
        "35m",
    ),
    "PermisDecisionsRefusedSpike": (
        {'permis_decisions_refused_total{code="signature_invalid"}': "0+1x20"},
        "1m",
        "12m",
    ),
}


def rules() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {rule["alert"]: rule for group in document["groups"] for rule in group["rules"]}


def case(series: dict[str, str], step: str, at: str, name: str, expected: list[Any]) -> Any:
    return {
        "interval": step,
        "input_series": [{"series": s, "values": v} for s, v in series.items()],
        "alert_rule_test": [{"eval_time": at, "alertname": name, "exp_alerts": expected}],
    }


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if PROMTOOL is None:
        pytest.skip("promtool is absent: install Debian's `prometheus` package (.ci/run does)")
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=50)


def test_every_rule_is_valid_and_has_a_runbook_line() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    for name, rule in rules().items():
        assert rule["annotations"]["runbook"].strip(), name
        assert rule["labels"]["severity"] in ("info", "warning", "critical"), name


def test_every_rule_has_its_scenarios() -> None:
    assert set(FIRING) == set(QUIET) == set(rules())


def test_each_rule_fires_when_it_should_and_not_otherwise(tmp_path: Path) -> None:
    defined = rules()
    tests = []
    for name, (series, step, at, labels, summary) in FIRING.items():
        rule = defined[name]
        expected = {
            "exp_labels": {**labels, **rule["labels"]},
            "exp_annotations": {"summary": summary, "runbook": rule["annotations"]["runbook"]},
        }
        tests.append(case(series, step, at, name, [expected]))
    for name, (series, step, at) in QUIET.items():
        tests.append(case(series, step, at, name, []))
    suite = tmp_path / "alerts.test.json"  # YAML is a superset of JSON
    suite.write_text(
        json.dumps({"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": tests})
    )
    result = promtool("test", "rules", str(suite))
    assert result.returncode == 0, result.stdout + result.stderr
