"""The contract of Permis: every message in and out, as frozen pydantic models.

This package imports nothing of the project's own; everything else imports it.
"""

from messages.agents import Decided, Transferred
from messages.envelope import CONTENT_TYPE, CloudEvent
from messages.events import EVENT_TYPES, Event, event_type
from messages.portal import DocumentsSupplied, Submitted, Withdrawn

__all__ = [
    "CONTENT_TYPE",
    "EVENT_TYPES",
    "CloudEvent",
    "Decided",
    "DocumentsSupplied",
    "Event",
    "Submitted",
    "Transferred",
    "Withdrawn",
    "event_type",
]
