"""Decision details carried by stage commands: dates travel as ISO text and come back as dates."""

from __future__ import annotations

from datetime import date
from typing import Any

DATE_FIELDS = frozenset({"valid_from", "valid_until", "respond_by", "deadline"})


def encode(details: dict[str, Any]) -> dict[str, Any]:
    """Details as JSON values: dates as ``YYYY-MM-DD``."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in details.items()}


def decode(details: dict[str, Any]) -> dict[str, Any]:
    """Details as the renderers want them: the date fields as dates again."""
    return {
        k: date.fromisoformat(v) if k in DATE_FIELDS and isinstance(v, str) else v
        for k, v in details.items()
    }
