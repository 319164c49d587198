"""The run folder's ``index.html``: every dossier's timeline, emails and documents, to look at.

Links are relative to the run folder, so that it can be moved or zipped and still open.
An email's HTML is shown in a sandboxed frame (``srcdoc``, no scripts, no same origin), under
the page's own Content Security Policy: what an email holds cannot run in the page.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2

import templates
from workers.demo.story import Account, Email, Story

DEMO_TEMPLATES_DIR = Path(templates.__file__).parent / "demo"
INDEX_FILE = "index.html"


@dataclass(frozen=True)
class Link:
    """A relative link from the page and the text that names it."""

    href: str
    text: str
    note: str = ""


@dataclass(frozen=True)
class EmailView:
    """An email as the page shows it: what it is, its content and its links."""

    anchor: str
    title: str
    frame_title: str
    reference: str
    subject: str
    language: str
    status: str
    html: str | None
    text: str | None
    eml: Link | None
    attachments: tuple[Link | str, ...]


@dataclass(frozen=True)
class DossierView:
    """A dossier as the page shows it: its anchor, story, document links and emails."""

    anchor: str
    story: Story
    documents: tuple[Link, ...]
    emails: tuple[EmailView, ...]


def write_index(
    run_dir: Path,
    told: Account,
    documents_dir: Path,
    title: str,
    labels: Mapping[str, str] | None = None,
) -> Path:
    """Write ``index.html`` in ``run_dir`` and return its path."""
    path = run_dir / INDEX_FILE
    page = render_index(run_dir, told, documents_dir, title, labels)
    path.write_text(page, encoding="utf-8")
    return path


def render_index(
    run_dir: Path,
    told: Account,
    documents_dir: Path,
    title: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The page's HTML for this account, its links relative to ``run_dir``; ``labels`` name
    what an email of no dossier answered (a refused submission), by its reference."""
    dossiers = [dossier_view(s, run_dir, documents_dir) for s in told.stories]
    others = [
        email_view("refused", "the refused submissions", position, email, run_dir, {})
        for position, email in enumerate(told.others, start=1)
    ]
    return (
        _environment()
        .get_template(INDEX_FILE)
        .render(title=title, dossiers=dossiers, others=others, labels=labels or {})
    )


def dossier_view(told: Story, run_dir: Path, documents_dir: Path) -> DossierView:
    """One dossier for the page: its story, and links to its documents and emails' files."""
    documents = {
        f"{d.number}.pdf": Link(
            link(documents_dir / f"{d.number}.pdf", run_dir), f"{d.number}.pdf", f"{d.kind}, PDF"
        )
        for d in told.documents
    }
    emails = tuple(
        email_view(told.number, f"dossier {told.number}", position, email, run_dir, documents)
        for position, email in enumerate(told.emails, start=1)
    )
    return DossierView(f"dossier-{told.number}", told, tuple(documents.values()), emails)


def email_view(
    key: str,
    owner: str,
    position: int,
    email: Email,
    run_dir: Path,
    documents: Mapping[str, Link],
) -> EmailView:
    """The email at ``position`` (from 1) of ``owner`` (whose anchors use ``key``) for the
    page; what it carries is linked when it is one of ``documents``."""
    title = f"{email.kind} to the {email.recipient_role}"
    file = email.file
    return EmailView(
        anchor=f"email-{key}-{position}",
        title=title,
        frame_title=f"Email {position} of {owner}, {title}, as its HTML part shows it",
        reference=email.reference,
        subject=file.subject if file else "",
        language=email.language or "unknown",
        status=email.status,
        html=file.html if file else None,
        text=file.text if file else None,
        eml=Link(link(file.path, run_dir), f".eml file of {title}") if file else None,
        attachments=tuple(documents.get(name, name) for name in email.attachments),
    )


def link(target: Path, base: Path) -> str:
    """The URL of ``target`` relative to the folder ``base``, each segment quoted."""
    relative = Path(os.path.relpath(target.absolute(), base.absolute()))
    return "/".join(quote(part) for part in relative.parts)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(DEMO_TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
