"""RabbitMQ definitions for ops: the contract's topology and least-privilege users, as data.

``permis definitions`` writes ``ops/rabbitmq/definitions.json`` from this (a test keeps the
committed copy in step). Who may do what (RabbitMQ permission regexes):

- the workers: declare, use and consume the contract's exchanges and queues and their
  own ``stage.*`` queues; publish events and case files;
- the portal: publish to ``permis.submissions`` only; read events through its own
  queues ``party.portal.*``;
- each platform's tool: publish to ``permis.decisions`` only; read, through its own
  queues ``party.<platform>.*``, the events and case files routed to its own id (topic
  permissions check the binding key, so ``#`` or another platform's id is refused);
- ops: the management UI and monitoring, no message at all.

Each party's own queues are named ``party.<user>.<anything>``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any, get_args

from messages.common import PlatformId
from workers.core.topology import (
    CASES_EXCHANGE,
    DECISIONS_EXCHANGE,
    DECISIONS_QUEUE,
    DECISIONS_REJECTED_QUEUE,
    EVENTS_EXCHANGE,
    EXCHANGES,
    QUEUES,
    QUORUM,
    SUBMISSIONS_EXCHANGE,
    SUBMISSIONS_QUEUE,
    SUBMISSIONS_REJECTED_QUEUE,
)

PLATFORMS: tuple[str, ...] = get_args(PlatformId)
NOTHING = "^$"
WORKERS, PORTAL, OPS = "workers", "portal", "ops"


def names(*items: str) -> str:
    """A permission regex matching exactly these resource names."""
    return "^(" + "|".join(re.escape(item) for item in items) + ")$"


def own_queues(user: str) -> str:
    return f"^party\\.{re.escape(user)}\\..+$"


def user_names(prefix: str = "permis-") -> dict[str, str]:
    """Every role's user name: workers, portal, ops and one per platform."""
    roles = (WORKERS, PORTAL, OPS, *PLATFORMS)
    return {role: f"{prefix}{role}" for role in roles}


def definitions(
    vhost: str, passwords: Mapping[str, str], *, prefix: str = "permis-"
) -> dict[str, Any]:
    """The definitions document for ``vhost``; ``passwords`` by role (see ``user_names``)."""
    users = user_names(prefix)
    return {
        "vhosts": [{"name": vhost}],
        "users": [
            {
                "name": name,
                "password_hash": password_hash(name, passwords[role]),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": ["monitoring"] if role == OPS else [],
            }
            for role, name in users.items()
        ],
        "permissions": [
            {"user": users[role], "vhost": vhost, **grant}
            for role, grant in permissions(users).items()
        ],
        "topic_permissions": [
            {
                "user": users[platform],
                "vhost": vhost,
                "exchange": exchange,
                "write": NOTHING,
                "read": key,
            }
            for platform in PLATFORMS
            for exchange, key in (
                (EVENTS_EXCHANGE, f"^.+\\.{re.escape(platform)}$"),
                (CASES_EXCHANGE, names(platform)),
            )
        ],
        "exchanges": [
            {
                "name": exchange.name,
                "vhost": vhost,
                "type": exchange.type,
                "durable": True,
                "auto_delete": False,
                "internal": False,
                "arguments": {},
            }
            for exchange in EXCHANGES
        ],
        "queues": [
            {
                "name": queue.name,
                "vhost": vhost,
                "durable": True,
                "auto_delete": False,
                "arguments": dict(QUORUM),
            }
            for queue in QUEUES
        ],
        "bindings": [
            {
                "source": queue.exchange,
                "vhost": vhost,
                "destination": queue.name,
                "destination_type": "queue",
                "routing_key": "",
                "arguments": {},
            }
            for queue in QUEUES
            if queue.exchange
        ],
    }


def permissions(users: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """configure / write / read regexes of each role."""
    contract_queues = (
        SUBMISSIONS_QUEUE,
        DECISIONS_QUEUE,
        SUBMISSIONS_REJECTED_QUEUE,
        DECISIONS_REJECTED_QUEUE,
    )
    exchanges = (SUBMISSIONS_EXCHANGE, DECISIONS_EXCHANGE, EVENTS_EXCHANGE, CASES_EXCHANGE)
    stage_queues = "stage\\..+"
    grants = {
        WORKERS: {
            "configure": _either(names(*exchanges, *contract_queues), f"^{stage_queues}$"),
            # the default exchange for dramatiq and the .rejected copies; the parties'
            # exchanges to replay a refused message (`permis dlq replay`)
            "write": _either(
                names("amq.default", *exchanges, *contract_queues), f"^{stage_queues}$"
            ),
            "read": _either(names(*exchanges, *contract_queues), f"^{stage_queues}$"),
        },
        PORTAL: {
            "configure": own_queues(users[PORTAL]),
            "write": _either(names(SUBMISSIONS_EXCHANGE), own_queues(users[PORTAL])),
            "read": _either(names(EVENTS_EXCHANGE), own_queues(users[PORTAL])),
        },
        OPS: {"configure": NOTHING, "write": NOTHING, "read": NOTHING},
    }
    for platform in PLATFORMS:
        mine = own_queues(users[platform])
        grants[platform] = {
            "configure": mine,
            "write": _either(names(DECISIONS_EXCHANGE), mine),
            "read": _either(names(EVENTS_EXCHANGE, CASES_EXCHANGE), mine),
        }
    return grants


def password_hash(user: str, password: str) -> str:
    """RabbitMQ's salted SHA-256 password hash, salted from the user name.

    A fixed salt keeps the generated file stable; the passwords in the committed file
    are development ones, to be changed with ``rabbitmqctl change_password``.
    """
    salt = hashlib.sha256(f"permis-salt:{user}".encode()).digest()[:4]
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def development_passwords(prefix: str = "permis-") -> dict[str, str]:
    """The development password of each role: its user name. Never in production."""
    return dict(user_names(prefix))


def _either(*patterns: str) -> str:
    return "|".join(f"(?:{p})" for p in patterns)
