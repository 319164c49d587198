"""The sample submissions, as if filed on a given day.

The samples are filed on 2026-11-20. Tests that run ``permis run`` on the real clock move
every date of a sample by the same number of days, so that the deadline sweep, which
refuses a dossier two months after its filing, leaves it alone whenever the tests run.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from workers.law.calendar import paris_date

SUBMISSIONS = Path(__file__).resolve().parents[2] / "messages" / "samples" / "submissions"
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}(T.*)?")


def submission(name: str) -> dict[str, Any]:
    """A sample submission's body, as the portal sends it."""
    body: dict[str, Any] = json.loads((SUBMISSIONS / name).read_text("utf-8"))
    return body


def filed_today(name: str) -> dict[str, Any]:
    """A sample submission filed today (in Paris, as the sweep counts days)."""
    return filed_on(submission(name), paris_date(datetime.now(UTC)))


def filed_on(body: dict[str, Any], day: date) -> dict[str, Any]:
    """``body`` with every date and instant moved so that it is filed on ``day``.

    Moving all of them alike keeps what the rules compare (ages, the job offer's lead time,
    the passport's expiry, the contract's dates) as the sample has it.
    """
    delta = day - date.fromisoformat(body["data"]["filed_at"][:10])
    return _moved(body, delta)


def _moved(node: Any, delta: timedelta) -> Any:
    if isinstance(node, dict):
        return {key: _moved(value, delta) for key, value in node.items()}
    if isinstance(node, list):
        return [_moved(value, delta) for value in node]
    if isinstance(node, str) and _DATED.fullmatch(node):
        return (date.fromisoformat(node[:10]) + delta).isoformat() + node[10:]
    return node
