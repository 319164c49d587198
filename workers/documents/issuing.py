"""Make a document's file as Permis issues it: the seal code, the page showing it, the seal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workers.documents.contexts import seal_payload_of
from workers.documents.render import TITLES, render_pdf
from workers.seal.sealer import Sealer

Render = Callable[[str, Mapping[str, Any], str | None], bytes]
"""Lays out a document of a kind from its context and its seal code (if it carries one)."""


def _render(kind: str, context: Mapping[str, Any], code: str | None) -> bytes:
    return render_pdf(kind, context, seal_code=code)


def sealed_document(
    sealer: Sealer, kind: str, context: Mapping[str, Any], render: Render = _render
) -> tuple[str | None, bytes]:
    """The document's seal code (an authorization's only) and its PDF under the seal."""
    payload = seal_payload_of(kind, context)
    code = sealer.code(payload) if payload is not None else None
    pdf = render(kind, context, code)
    return code, sealer.seal(pdf, code, reason=f"{TITLES[kind]} {context['document_number']}")
