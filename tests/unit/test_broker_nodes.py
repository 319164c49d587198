"""Several broker nodes and several database hosts, as the settings name them."""

from __future__ import annotations

import urllib.parse

import pytest
from dramatiq.common import dq_name, xq_name
from pydantic import ValidationError

from config.settings import Settings, broker_nodes
from workers.core.amqp import node_parameters
from workers.core.broker import (
    DELIVERY_LIMIT,
    RETRIES,
    dead_letter_queue_arguments,
    stage_queue_arguments,
)
from workers.core.store.database import engine_url

NODES = (
    "amqp://u:p@10.0.0.1:5672/permis, amqp://u:p@10.0.0.2:5672/permis,amqp://u:p@10.0.0.3/permis"
)


def test_a_broker_setting_lists_each_node() -> None:
    assert broker_nodes(NODES) == [
        "amqp://u:p@10.0.0.1:5672/permis",
        "amqp://u:p@10.0.0.2:5672/permis",
        "amqp://u:p@10.0.0.3/permis",
    ]
    assert broker_nodes("amqp://guest:guest@127.0.0.1:5672/%2F") == [
        "amqp://guest:guest@127.0.0.1:5672/%2F"
    ]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("amqp://a/one,amqp://b/two", "different vhosts"),
        ("amqp://a/v,http://b/v", "not an amqp"),
        (" , ", "no broker URL"),
    ],
)
def test_nodes_that_do_not_make_one_broker_are_refused(url: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        broker_nodes(url)
    with pytest.raises(ValidationError, match=said):
        Settings(broker_url=url)


def test_a_refused_node_list_does_not_print_its_password() -> None:
    with pytest.raises(ValueError) as caught:
        broker_nodes("amqp://u:s3cret@a/v,http://u:s3cret@b/v")
    assert "s3cret" not in str(caught.value)


def test_every_node_is_tried_and_each_process_starts_from_its_own() -> None:
    parameters = node_parameters(NODES)
    hosts = [p.host for p in parameters]
    assert sorted(hosts) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert {p.virtual_host for p in parameters} == {"permis"}
    assert all(p.connection_attempts == 1 and p.heartbeat == 30 for p in parameters)
    # rotated, not shuffled: after the first, the others in the order given
    start = hosts.index("10.0.0.1")
    assert hosts[start:] + hosts[:start] == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


def test_a_node_url_may_set_its_own_connection_options() -> None:
    (tuned, plain) = sorted(
        node_parameters("amqp://u:p@a/permis?heartbeat=10&socket_timeout=2,amqp://u:p@b/permis"),
        key=lambda p: p.host,
    )
    assert (tuned.heartbeat, tuned.socket_timeout, tuned.connection_attempts) == (10, 2, 1)
    assert (plain.heartbeat, plain.socket_timeout) == (30, 5)


def test_stage_queues_are_quorum_and_dead_letter_to_their_xq() -> None:
    arguments = stage_queue_arguments("stage.mail")
    assert arguments["x-queue-type"] == "quorum"
    assert arguments["x-dead-letter-routing-key"] == xq_name("stage.mail")
    assert arguments["x-dead-letter-strategy"] == "at-least-once"
    assert arguments["x-overflow"] == "reject-publish"  # what at-least-once requires
    assert "x-max-priority" not in arguments  # quorum queues have no priorities
    assert dead_letter_queue_arguments()["x-queue-type"] == "quorum"
    assert dq_name("stage.mail") == "stage.mail.DQ"  # the delay queue shares the arguments


def test_the_delivery_limit_gives_a_crashing_message_the_chances_of_a_failing_one() -> None:
    assert stage_queue_arguments("stage.x")["x-delivery-limit"] == DELIVERY_LIMIT == RETRIES


def _query(url: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def test_a_libpq_multi_host_url_reaches_sqlalchemy_with_each_host() -> None:
    url = engine_url("postgresql://permis:s%40cret@db-a:5432,db-b:5433/permis")
    assert url.startswith("postgresql+psycopg://permis:s%40cret@/permis?")
    query = _query(url)
    assert query["host"] == ["db-a:5432", "db-b:5433"]
    assert query["target_session_attrs"] == ["read-write"]
    assert query["connect_timeout"] == ["5"]


def test_a_multi_host_url_keeps_what_it_says() -> None:
    url = engine_url(
        "postgresql://p@a:1,b:2/d?target_session_attrs=primary&options=-csearch_path%3Ds"
    )
    query = _query(url)
    assert query["target_session_attrs"] == ["primary"]
    assert query["options"] == ["-csearch_path=s"]


def test_a_single_host_url_is_left_alone() -> None:
    assert engine_url("postgresql://p@a:5432/d") == "postgresql+psycopg://p@a:5432/d"
    assert engine_url("sqlite:///x.db") == "sqlite:///x.db"
