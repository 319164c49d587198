"""What the contract publishes: ``definitions`` for RabbitMQ, ``schema`` for the messages."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defs = commands.add_parser(
        "definitions", help="write the RabbitMQ definitions: topology and least-privilege users"
    )
    defs.add_argument("--vhost", default="permis")
    defs.add_argument("--out", type=Path, default=None, help="default: standard output")
    defs.set_defaults(handler=_definitions)

    schema = commands.add_parser("schema", help="write JSON Schema and AsyncAPI of the contract")
    schema.add_argument("--out", type=Path, default=None, help="default: messages/schema")
    schema.add_argument("--check", action="store_true", help="exit 1 if the files differ")
    schema.set_defaults(handler=_schema)


def _definitions(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from workers.core.definitions import definitions, development_passwords

    document = definitions(args.vhost, development_passwords())
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    from messages.schema import check_schema, write_schema

    out = args.out or Path(__file__).resolve().parents[2] / "messages" / "schema"
    if args.check:
        stale = check_schema(out)
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    for path in write_schema(out):
        print(path)
    return 0
