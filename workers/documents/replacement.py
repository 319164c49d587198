"""When an issued document may be replaced, and the command that issues its replacement.

A replacement is a new document, under the next number of its kind, that names the one
it replaces; the old one stays as it was, and verifying it says it was superseded.
"""

from __future__ import annotations

from typing import Any, Protocol

from messages.tasks import IssueDocument
from workers.law.numbering import document_number


class IssuedDocument(Protocol):
    """What the rules need of a stored document."""

    @property
    def number(self) -> str: ...
    @property
    def dossier_number(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def details(self) -> dict[str, Any]: ...


class NotReplaceable(Exception):
    """The document cannot be replaced: already replaced, or its content was purged."""


def check_replaceable(document: IssuedDocument, replaced_by: str | None) -> None:
    """NotReplaceable unless ``document`` may be replaced now."""
    if replaced_by is not None:
        raise NotReplaceable(f"{document.number} was already replaced by {replaced_by}")
    if not document.content:
        raise NotReplaceable(f"{document.number}: its dossier's personal data was purged")


def check_first_replacement(replaces: str | None, replaced_by: str | None) -> None:
    """NotReplaceable when ``replaces`` already has a replacement: two reissues asked before
    either was issued pass ``check_replaceable``; only the first may be issued."""
    if replaces is not None and replaced_by is not None:
        raise NotReplaceable(f"{replaces} was already replaced by {replaced_by}")


def replacement_command(document: IssuedDocument, sequence: int) -> IssueDocument:
    """The command issuing ``document``'s replacement as the ``sequence``-th of its kind."""
    return IssueDocument(
        dossier_number=document.dossier_number,
        kind=document.kind,
        document_number=document_number(document.dossier_number, document.kind, sequence),
        details=document.details,
        replaces=document.number,
    )
