"""CPU time to compose one email, every kind in both languages, old path against new.

    .venv/bin/python bench/mail.py [--runs N] [--pdf-kib N]

For each mail kind and language (the kinds that carry a document with a PDF of
``--pdf-kib`` KiB), ``--runs`` times after a warm-up: the templates rendered
(``compose.render``), then the message built and serialised as it goes on the wire.
"old" is the email package (``EmailMessage``, policy SMTP, flattened by aiosmtplib as
``send_message`` did: tests/support/mail.py keeps it as the oracle); "new" is
``compose.write_message``, whose bytes the relay gets as they are. CPU time
(``time.process_time``), so a busy machine skews it less than wall time; ms per email.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.mail import SAMPLE_CONTEXT, mail_arguments, reference_bytes  # noqa: E402
from workers.law.letters import LETTER_FOR_DOCUMENT  # noqa: E402
from workers.mail.compose import (  # noqa: E402
    Attachment,
    MailKind,
    Rendered,
    reference_of,
    render,
    write_message,
)

LANGUAGES = ("fr", "en")
WITH_DOCUMENT = set(LETTER_FOR_DOCUMENT.values())


def arguments(kind: MailKind, pdf: bytes) -> dict[str, Any]:
    """What the actor passes for one email of ``kind`` to the employer."""
    reference = reference_of(kind, SAMPLE_CONTEXT)
    attachments = [Attachment(f"{reference}-A1", pdf)] if kind.value in WITH_DOCUMENT else []
    return mail_arguments(kind, attachments=attachments)


def cpu_ms(work: Callable[[], object], runs: int) -> float:
    """CPU milliseconds per call of ``work``, after a few calls to warm caches up."""
    for _ in range(min(runs, 20)):
        work()
    start = time.process_time()
    for _ in range(runs):
        work()
    return (time.process_time() - start) * 1000 / runs


def old_path(rendered: Rendered, options: dict[str, Any]) -> bytes:
    return reference_bytes(rendered, **options)


def new_path(rendered: Rendered, options: dict[str, Any]) -> bytes:
    return write_message(rendered, **options).data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--pdf-kib", type=int, default=60)
    options = parser.parse_args()
    pdf = bytes(range(256)) * (options.pdf_kib * 4)
    print(f"ms of CPU per email, {options.runs} runs, PDF {options.pdf_kib} KiB\n")
    print("| kind | language | PDF | render | old build+serialise | new | old/new |")
    print("|---|---|---|---:|---:|---:|---:|")
    totals = [0.0, 0.0, 0.0]
    for kind in MailKind:
        for language in LANGUAGES:
            args = arguments(kind, pdf)
            rendered = render(kind, language, SAMPLE_CONTEXT)  # type: ignore[arg-type]
            figures = [
                cpu_ms(lambda: render(kind, language, SAMPLE_CONTEXT), options.runs),  # type: ignore[arg-type]  # noqa: B023
                cpu_ms(lambda: old_path(rendered, args), options.runs),  # noqa: B023
                cpu_ms(lambda: new_path(rendered, args), options.runs),  # noqa: B023
            ]
            totals = [t + f for t, f in zip(totals, figures, strict=True)]
            render_ms, old_ms, new_ms = figures
            print(
                f"| {kind.value} | {language} | {'yes' if args['attachments'] else ''} "
                f"| {render_ms:.3f} | {old_ms:.3f} | {new_ms:.3f} | {old_ms / new_ms:.0f}× |"
            )
    count = len(MailKind) * len(LANGUAGES)
    render_ms, old_ms, new_ms = (t / count for t in totals)
    print(f"| mean | | | {render_ms:.3f} | {old_ms:.3f} | {new_ms:.3f} | {old_ms / new_ms:.0f}× |")


if __name__ == "__main__":
    main()
