"""Development keys: ``keys generate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from workers.cli import USAGE_ERROR

if TYPE_CHECKING:
    from config.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="development keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    generate = keys_commands.add_parser(
        "generate",
        help="write an Ed25519 key per platform, the decision keys file and a development seal",
    )
    generate.add_argument("--dir", type=Path, default=Path("permis-keys"))
    generate.add_argument(
        "--platform", action="append", dest="platforms", help="default: every platform"
    )
    generate.set_defaults(handler=_keys_generate)


def _keys_generate(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.seal.keys import generate_seal
    from workers.signatures.keys import generate_keys

    platforms = args.platforms or load_reference().platform_ids
    try:
        written = generate_keys(args.dir, platforms)
    except ValueError as exc:
        print(f"permis keys generate: {exc}", file=sys.stderr)
        return USAGE_ERROR
    for platform, path in written.private_keys.items():
        print(f"{platform}: private key {path} (the platform keeps it; never give it to Permis)")
    print(f"public keys: {written.keys_file}")
    seal = generate_seal(args.dir)
    print(f"seal: {seal.key_file} and its self-signed certificate {seal.cert_file}")
    print(f"export PERMIS_DECISION_KEYS={written.keys_file.resolve()}")
    print(f"export PERMIS_SEAL_KEY={seal.key_file.resolve()}")
    print(f"export PERMIS_SEAL_CERT={seal.cert_file.resolve()}")
    return 0
