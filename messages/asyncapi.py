"""The AsyncAPI 3.0.0 document of the contract: RabbitMQ channels, operations and messages.

``messages.schema`` writes it next to the JSON Schemas as ``asyncapi.json`` (CONTRACTS.md §1).
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel

from messages.catalog import (
    AGENT_MESSAGES,
    PORTAL_MESSAGES,
    describe,
    schema_file,
    signature_headers,
)
from messages.common import PlatformId
from messages.envelope import CONTENT_TYPE
from messages.events import EVENT_PREFIX, EVENT_TYPES, CaseAssigned
from messages.transport import (
    CASES_EXCHANGE,
    DECISIONS_EXCHANGE,
    DECISIONS_QUEUE,
    DECISIONS_REJECTED_QUEUE,
    EVENTS_EXCHANGE,
    REASON_HEADER,
    SUBMISSIONS_EXCHANGE,
    SUBMISSIONS_QUEUE,
    SUBMISSIONS_REJECTED_QUEUE,
)

AMQP_BINDING_VERSION = "0.3.0"
DEFAULT_VHOST = "/"

_ASYNCAPI_DESCRIPTION = """\
The external contract of Permis over RabbitMQ (CONTRACTS.md §1).

- The portal publishes to the durable fanout exchange `permis.submissions`, bound to the \
quorum queue `portal.submissions`; the platforms' case tools publish signed messages to \
the durable fanout exchange `permis.decisions`, bound to the quorum queue \
`agents.decisions`. The pipeline publishes events to the durable topic exchange \
`permis.events` (routing key `<event>.<platform id>`, or `<event>.none`) and case files \
to the durable topic exchange `permis.cases` (routing key = platform id).
- Parties publish to exchanges, never to queues. Exchanges are durable and not \
auto-deleted; queues are durable with `x-queue-type: quorum`; bindings have an empty \
routing key. The vhost is the one of `PERMIS_BROKER_URL`.
- Every message is a CloudEvent 1.0 in structured JSON mode (AMQP content type \
`application/cloudevents+json`, persistent delivery). `(source, id)` identifies a \
message: once seen, applied or rejected, it has no further effect. Events are delivered \
at least once and keep their `id` when re-emitted: deduplicate on it.
- Types are strict, nothing is coerced; unknown fields are tolerated. A refused message \
is never dropped silently: it is answered by a `dossier.rejected` or `decision.rejected` \
event and kept for ops in `portal.submissions.rejected` or `agents.decisions.rejected` \
with the header `permis-reason`.
"""


def _reason_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "The original message's headers, plus the reason it was refused.",
        "required": [REASON_HEADER],
        "properties": {
            REASON_HEADER: {
                "type": "string",
                "description": "The refusal code (CONTRACTS.md §2.4, §3.4) or `conflict`.",
            },
        },
    }


def _exchange_binding(name: str, kind: str) -> dict[str, Any]:
    exchange = {"name": name, "type": kind, "durable": True, "autoDelete": False}
    exchange["vhost"] = DEFAULT_VHOST
    return {
        "amqp": {"is": "routingKey", "exchange": exchange, "bindingVersion": AMQP_BINDING_VERSION}
    }


def _queue_binding(name: str) -> dict[str, Any]:
    queue = {"name": name, "durable": True, "exclusive": False, "autoDelete": False}
    queue["vhost"] = DEFAULT_VHOST
    return {"amqp": {"is": "queue", "queue": queue, "bindingVersion": AMQP_BINDING_VERSION}}


def _message_refs(keys: list[str]) -> dict[str, Any]:
    return {key: {"$ref": f"#/components/messages/{key}"} for key in keys}


def _message(message_type: str, model: type[BaseModel]) -> dict[str, Any]:
    return {
        "name": message_type,
        "title": model.__name__,
        "summary": describe(model),
        "contentType": CONTENT_TYPE,
        "payload": {"$ref": "./" + schema_file(message_type)},
    }


def _rejected_message(summary: str) -> dict[str, Any]:
    return {
        "name": "rejected",
        "title": "Rejected",
        "summary": summary,
        "headers": _reason_headers(),
        "payload": {"description": "The original body, byte for byte (it may not be JSON)."},
    }


def _event_models() -> dict[str, type[BaseModel]]:
    return {EVENT_PREFIX + event.name: event for event in EVENT_TYPES}


def _components() -> dict[str, Any]:
    messages = {key: _message(key, model) for key, model in PORTAL_MESSAGES.items()}
    for key, model in AGENT_MESSAGES.items():
        messages[key] = {**_message(key, model), "headers": signature_headers()}
    for key, model in _event_models().items():
        messages[key] = _message(key, model)
    case_type = EVENT_PREFIX + CaseAssigned.name
    messages[case_type] = _message(case_type, CaseAssigned)
    messages["rejectedPortalMessage"] = _rejected_message(
        "A portal message the pipeline refused, kept for ops."
    )
    messages["rejectedAgentsMessage"] = _rejected_message(
        "An agents' message the pipeline refused, kept for ops."
    )
    return {"messages": messages}


def _platform_ids() -> list[str]:
    return list(get_args(PlatformId))


def _quorum_queue(name: str) -> dict[str, Any]:
    return {"name": name, "arguments": {"x-queue-type": "quorum"}, "routingKey": ""}


def _intake_pair(exchange: str, queue: str, keys: list[str], publisher: str) -> dict[str, Any]:
    return {
        "exchange": {
            "address": None,
            "title": exchange,
            "description": f"Durable fanout exchange ({publisher}), bound with an empty "
            f"routing key to the quorum queue `{queue}`.",
            "messages": _message_refs(keys),
            "bindings": _exchange_binding(exchange, "fanout"),
            "x-bound-queue": _quorum_queue(queue),
        },
        "queue": {
            "address": queue,
            "title": queue,
            "description": f"Quorum queue (`x-queue-type: quorum`) bound to `{exchange}`; "
            "the pipeline consumes it.",
            "messages": _message_refs(keys),
            "bindings": _queue_binding(queue),
        },
    }


def _intake_channels() -> dict[str, Any]:
    portal = _intake_pair(
        SUBMISSIONS_EXCHANGE, SUBMISSIONS_QUEUE, list(PORTAL_MESSAGES), "the portal publishes to it"
    )
    agents = _intake_pair(
        DECISIONS_EXCHANGE,
        DECISIONS_QUEUE,
        list(AGENT_MESSAGES),
        "the platforms' case tools publish to it",
    )
    return {
        "submissions": portal["exchange"],
        "portalSubmissions": portal["queue"],
        "decisions": agents["exchange"],
        "agentsDecisions": agents["queue"],
    }


def _platform_parameter(extra: list[str]) -> dict[str, Any]:
    return {
        "enum": _platform_ids() + extra,
        "description": "The platform id (CONTRACTS.md §5)"
        + (", or `none` when the event has no platform." if extra else "."),
    }


def _outbound_channels() -> dict[str, Any]:
    events = list(_event_models())
    return {
        "events": {
            "address": "{event}.{platform}",
            "title": EVENTS_EXCHANGE,
            "description": "Durable topic exchange of the pipeline's events; each consumer "
            "binds its own queue (a platform `*.*.<platform id>`, the portal `#`).",
            "parameters": {
                "event": {
                    "enum": [event.name for event in EVENT_TYPES],
                    "description": "The event's short name (its type without `fr.permis.`).",
                },
                "platform": _platform_parameter(["none"]),
            },
            "messages": _message_refs(events),
            "bindings": _exchange_binding(EVENTS_EXCHANGE, "topic"),
        },
        "cases": {
            "address": "{platform}",
            "title": CASES_EXCHANGE,
            "description": "Durable topic exchange of the case files; each platform's tool "
            "may bind only its own platform id.",
            "parameters": {"platform": _platform_parameter([])},
            "messages": _message_refs([EVENT_PREFIX + CaseAssigned.name]),
            "bindings": _exchange_binding(CASES_EXCHANGE, "topic"),
        },
    }


def _rejected_channels() -> dict[str, Any]:
    channels = {}
    for key, queue, message in (
        ("portalSubmissionsRejected", SUBMISSIONS_REJECTED_QUEUE, "rejectedPortalMessage"),
        ("agentsDecisionsRejected", DECISIONS_REJECTED_QUEUE, "rejectedAgentsMessage"),
    ):
        channels[key] = {
            "address": queue,
            "title": queue,
            "description": "Durable quorum queue where ops find refused messages: the "
            f"original body and headers, plus the header `{REASON_HEADER}`.",
            "messages": _message_refs([message]),
            "bindings": _queue_binding(queue),
        }
    return channels


def _channels() -> dict[str, Any]:
    return {**_intake_channels(), **_outbound_channels(), **_rejected_channels()}


def _operation(action: str, channel: str, messages: list[str], summary: str) -> dict[str, Any]:
    amqp: dict[str, Any] = {"deliveryMode": 2} if action == "send" else {"ack": True}
    amqp["bindingVersion"] = AMQP_BINDING_VERSION
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{key}"} for key in messages],
        "summary": summary,
        "bindings": {"amqp": amqp},
    }


# (operation id, action, channel, messages, summary)
_OPERATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("portalSendsSubmissions", "send", "submissions", "portal",
     "The portal publishes employers' messages."),
    ("pipelineReceivesSubmissions", "receive", "portalSubmissions", "portal",
     "The pipeline takes in portal messages."),
    ("platformsSendDecisions", "send", "decisions", "agents",
     "A platform's case tool publishes a signed decision or transfer."),
    ("pipelineReceivesDecisions", "receive", "agentsDecisions", "agents",
     "The pipeline applies agents' messages."),
    ("pipelineSendsEvents", "send", "events", "events",
     "The pipeline publishes what happened to a dossier."),
    ("consumersReceiveEvents", "receive", "events", "events",
     "The portal, the platforms' tools and ops follow events on their own queues."),
    ("pipelineSendsCases", "send", "cases", "cases",
     "The pipeline sends the case file to the platform in charge."),
    ("platformsReceiveCases", "receive", "cases", "cases",
     "A platform's tool receives the case files of its own platform."),
    ("pipelineKeepsRejectedSubmissions", "send", "portalSubmissionsRejected",
     "rejectedPortal", "The pipeline keeps a refused portal message for ops."),
    ("opsReceiveRejectedSubmissions", "receive", "portalSubmissionsRejected",
     "rejectedPortal", "Ops inspect refused portal messages."),
    ("pipelineKeepsRejectedDecisions", "send", "agentsDecisionsRejected",
     "rejectedAgents", "The pipeline keeps a refused agents' message for ops."),
    ("opsReceiveRejectedDecisions", "receive", "agentsDecisionsRejected",
     "rejectedAgents", "Ops inspect refused agents' messages."),
)  # fmt: skip


def _operation_messages() -> dict[str, list[str]]:
    return {
        "portal": list(PORTAL_MESSAGES),
        "agents": list(AGENT_MESSAGES),
        "events": list(_event_models()),
        "cases": [EVENT_PREFIX + CaseAssigned.name],
        "rejectedPortal": ["rejectedPortalMessage"],
        "rejectedAgents": ["rejectedAgentsMessage"],
    }


def _operations() -> dict[str, Any]:
    messages = _operation_messages()
    return {
        key: _operation(action, channel, messages[group], summary)
        for key, action, channel, group, summary in _OPERATIONS
    }


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of the contract's transport and messages."""
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Permis", "version": "1.0.0", "description": _ASYNCAPI_DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "channels": _channels(),
        "operations": _operations(),
        "components": _components(),
    }


__all__ = ["AMQP_BINDING_VERSION", "DEFAULT_VHOST", "asyncapi"]
