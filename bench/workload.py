"""What the benchmarks render: authorization contexts, a development seal, and the engines.

The contexts come from the accepted sample submissions (``messages/samples/submissions``),
taken in turn, each under its own document number, as production would issue them: no
engine sees the same document twice, so no cache of a previous render can help it.
"""

from __future__ import annotations

import importlib
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from config.reference import load_reference
from workers.documents import contexts
from workers.documents.issuing import sealed_document
from workers.law.numbering import MAX_DOCUMENT_SEQUENCE, document_number
from workers.seal.keys import generate_seal, load_seal_key
from workers.seal.sealer import Sealer

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "messages" / "samples" / "submissions"
# Each engine, in the order measured, with the distribution that provides it.
ENGINES = {"reportlab": "reportlab", "fpdf2": "fpdf2", "weasyprint": "weasyprint", "typst": "typst"}
DOSSIER = "AT26-0000042-2"
ISSUED_ON = date(2027, 1, 15)
VALID_FROM, VALID_UNTIL = date(2027, 2, 1), date(2028, 1, 31)


Render = Callable[[Mapping[str, Any], str], bytes]


def accepted_submissions() -> list[dict[str, Any]]:
    """The ``data`` of every accepted sample (``0*.json``), in file name order."""
    paths = sorted(SUBMISSIONS.glob("0*.json"))
    return [json.loads(path.read_text(encoding="utf-8"))["data"] for path in paths]


def authorization(
    submission: Mapping[str, Any], sequence: int = 1, language: str = "fr"
) -> dict[str, Any]:
    """The context of authorization number ``sequence`` of the benchmark's dossier."""
    return contexts.authorization_context(
        document_number=document_number(DOSSIER, "authorization", sequence),
        dossier_number=DOSSIER,
        issued_on=ISSUED_ON,
        platform=load_reference().platform("pf-nanterre"),
        submission=submission,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
        language=language,
    )


def authorizations(count: int, *, first: int = 0) -> list[dict[str, Any]]:
    """``count`` contexts: the samples in turn, numbered from ``first + 1`` on."""
    submissions = accepted_submissions()
    return [
        authorization(submissions[n % len(submissions)], n % MAX_DOCUMENT_SEQUENCE + 1)
        for n in range(first, first + count)
    ]


@contextmanager
def development_sealer() -> Iterator[Sealer]:
    """A sealer with a throwaway self-signed key, as ``permis keys generate`` makes."""
    with tempfile.TemporaryDirectory(prefix="permis-bench-") as directory:
        written = generate_seal(Path(directory))
        yield Sealer(load_seal_key(written.key_file, written.cert_file))


def issue(sealer: Sealer, render: Render, context: Mapping[str, Any]) -> tuple[str, bytes]:
    """The production sequence with ``render`` as the engine: code, page with QR, seal.

    Returns the seal code and the sealed PDF.
    """
    code, pdf = sealed_document(
        sealer, "authorization", context, lambda _kind, page, code: render(page, code or "")
    )
    assert code is not None
    return code, pdf


def load_engine(name: str) -> ModuleType:
    """The module ``engines.<name>_engine``; its import errors (missing library) propagate."""
    return importlib.import_module(f"engines.{name}_engine")


@dataclass(frozen=True)
class Unavailable:
    """An engine that cannot run here, and why."""

    reason: str


def try_engine(name: str) -> ModuleType | Unavailable:
    """The engine's module, or why it cannot be imported (a missing system library...)."""
    try:
        return load_engine(name)
    except (ImportError, OSError) as exc:
        return Unavailable(first_line(exc))


def first_line(exc: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0][:160]}" if message else type(exc).__name__
