"""ReportLab: the production path, ``workers.documents.render.render_pdf``, unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.documents.render import render_pdf


def render(context: Mapping[str, Any], code: str) -> bytes:
    """The authorization as production renders it, the QR code in its seal box."""
    return render_pdf("authorization", context, seal_code=code)
