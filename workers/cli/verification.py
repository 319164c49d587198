"""Checking an authorization: ``verify``, the ``desk`` serving it, ``grant-desk`` for its role."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from workers.cli import USAGE_ERROR
from workers.cli import text as cli_text

if TYPE_CHECKING:
    from config.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify_doc = commands.add_parser(
        "verify", help="check a work authorization (PDF) or its scanned seal code"
    )
    verify_doc.add_argument("file", nargs="?", type=Path, help="the authorization's PDF")
    verify_doc.add_argument("--code", help="the text of the scanned QR code instead")
    verify_doc.add_argument(
        "--cert", type=Path, help="the seal certificate to trust (default PERMIS_SEAL_CERT)"
    )
    verify_doc.add_argument("--json", action="store_true", help="print the answer as JSON")
    verify_doc.set_defaults(handler=_verify)

    desk = commands.add_parser(
        "desk", help="serve the verification desk: a web page and a JSON API over `verify`"
    )
    desk.add_argument("--host", help="the address to listen on (default PERMIS_DESK_HOST)")
    desk.add_argument("--port", type=int, help="the port (default PERMIS_DESK_PORT)")
    desk.add_argument(
        "--openapi", action="store_true", help="print the API's OpenAPI document and exit"
    )
    desk.set_defaults(handler=_desk)

    grant = commands.add_parser(
        "grant-desk",
        help="let a database role read only what the desk asks: documents' numbers and"
        " replacements (PostgreSQL)",
    )
    grant.add_argument("role", help="an existing role, the one the desk connects as")
    grant.set_defaults(handler=_grant_desk)


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import configured_store, superseded_lookup
    from workers.seal.keys import SealKeyError, load_certificate
    from workers.seal.verify import ReplacementQuestion, verify_code, verify_pdf

    if (args.file is None) == (args.code is None):
        print("permis verify: give a PDF file or --code, not both", file=sys.stderr)
        return USAGE_ERROR
    cert_path = args.cert or settings.seal_cert
    if cert_path is None:
        print("permis verify: no certificate: set PERMIS_SEAL_CERT or --cert", file=sys.stderr)
        return USAGE_ERROR
    try:
        certificate = load_certificate(cert_path)
        pdf = args.file.read_bytes() if args.file is not None else None
    except (SealKeyError, OSError) as exc:
        print(f"permis verify: {exc}", file=sys.stderr)
        return USAGE_ERROR

    store = configured_store(settings)
    replacement_of = ReplacementQuestion(
        superseded_lookup(store) if store is not None else None,
        lambda exc: print(f"permis verify: could not tell if superseded: {exc}", file=sys.stderr),
    )
    try:
        if pdf is not None:
            verdict = verify_pdf(pdf, certificate, replacement_of)
        else:
            verdict = verify_code(args.code, certificate, replacement_of)
    finally:
        if store is not None:
            store.dispose()
    cli_text.print_answer(verdict.as_json(), args.json, cli_text.verdict_text)
    return 0 if verdict.genuine else 1


def _grant_desk(args: argparse.Namespace, settings: Settings) -> int:
    from workers.core.errors import PermisError
    from workers.core.store import Store

    store = Store.from_url(settings.database_url)
    try:
        store.grant_replacement_lookup(args.role)
    except PermisError as exc:
        print(f"permis grant-desk: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"{args.role} may read the documents' numbers and replacements, nothing else")
    return 0


def _desk(args: argparse.Namespace, settings: Settings) -> int:
    from workers.desk.app import create_app, openapi_text
    from workers.desk.serve import serve
    from workers.seal.keys import SealKeyError

    if args.openapi:
        print(openapi_text(), end="")
        return 0
    port = settings.desk_port if args.port is None else args.port
    if not 0 < port < 65536:
        print(f"permis desk: no port {port}", file=sys.stderr)
        return USAGE_ERROR
    try:
        app = create_app(settings)
    except SealKeyError as exc:
        print(f"permis desk: {exc}", file=sys.stderr)
        return USAGE_ERROR
    serve(app, args.host or settings.desk_host, port)
    return 0
