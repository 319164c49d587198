"""Looking into dossiers: ``check``, ``route`` and ``routes`` offline, ``dossier show|verify``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from workers.cli import USAGE_ERROR, migrated_store
from workers.cli import text as cli_text

if TYPE_CHECKING:
    from config.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from messages.portal import Category

    check = commands.add_parser("check", help="run intake on a submission offline")
    check.add_argument("file", nargs="?", type=Path, help="a CloudEvent body (JSON)")
    check.add_argument("--number", help="validate a dossier number's check digit instead")
    check.add_argument("--json", action="store_true", help="print the answer as JSON")
    check.set_defaults(handler=_check)

    route = commands.add_parser("route", help="which platform a postcode goes to, and why")
    route.add_argument("postcode")
    route.add_argument("--category", default="employee", choices=get_args(Category))
    route.add_argument("--json", action="store_true")
    route.set_defaults(handler=_route)

    routes = commands.add_parser("routes", help="the département table with sources")
    routes.add_argument("--json", action="store_true")
    routes.set_defaults(handler=_routes)

    dossier = commands.add_parser("dossier", help="look into dossiers")
    dossier_commands = dossier.add_subparsers(dest="dossier_command", required=True)
    show = dossier_commands.add_parser("show", help="a dossier's state, history, documents, emails")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_dossier_show)
    verify = dossier_commands.add_parser("verify", help="check every dossier's history chain")
    verify.set_defaults(handler=_dossier_verify)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.offline import check_body, check_number

    if args.number:
        answer = check_number(args.number)
        cli_text.print_answer(answer, args.json, cli_text.number_text)
        return 0 if answer["valid"] else 1
    if args.file is None:
        print("permis check: give a FILE or --number", file=sys.stderr)
        return USAGE_ERROR
    try:
        body = args.file.read_bytes()
    except OSError as exc:
        print(f"permis check: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return USAGE_ERROR
    answer = check_body(body, load_reference())
    cli_text.print_answer(answer, args.json, cli_text.check_text)
    return 0 if answer["outcome"] == "deposited" else 1


def _route(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.offline import route_postcode

    answer = route_postcode(args.postcode, args.category, load_reference())
    cli_text.print_answer(answer, args.json, cli_text.route_text)
    return 0 if answer["platform"] else 1


def _routes(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.offline import routes_table

    cli_text.print_answer(routes_table(load_reference()), args.json, cli_text.routes_text)
    return 0


def _dossier_show(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import show_dossier

    answer = show_dossier(migrated_store(settings), args.number)
    if answer is None:
        print(f"no dossier {args.number}", file=sys.stderr)
        return 1
    cli_text.print_answer(answer, args.json, cli_text.dossier_text)
    return 0 if not answer["chain"] else 1


def _dossier_verify(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import verify_chains

    broken = verify_chains(migrated_store(settings))
    for number, problems in broken.items():
        print(f"{number}: {'; '.join(problems)}")
    print("every history chain is intact" if not broken else f"{len(broken)} broken chain(s)")
    return 1 if broken else 0
