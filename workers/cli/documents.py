"""Issued documents: ``document reissue``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    document = commands.add_parser("document", help="issued documents")
    document_commands = document.add_subparsers(dest="document_command", required=True)
    reissue = document_commands.add_parser(
        "reissue", help="issue a replacement that supersedes a document, and send it again"
    )
    reissue.add_argument("number", help="the number of the document to replace")
    reissue.set_defaults(handler=_document_reissue)


def _document_reissue(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import reissue_document
    from workers.bootstrap import bootstrap
    from workers.core.clock import system_clock
    from workers.documents.replacement import NotReplaceable

    settings = settings.model_copy(update={"broker_url": settings.broker_url_or_default})
    pipeline = bootstrap(settings)
    try:
        pipeline.services.store.migrate()
        written, number = reissue_document(pipeline.services.store, args.number, system_clock())
        pipeline.services.relay.publish(written)
    except (LookupError, NotReplaceable) as exc:
        print(f"permis document reissue: {exc}", file=sys.stderr)
        return 1
    finally:
        pipeline.close()
    print(f"{number} will replace {args.number}; the documents stage issues and sends it")
    return 0
