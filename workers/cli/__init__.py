"""The ``permis`` command: run the pipeline or one stage, the demo, keys and the contract's schemas.

Exit status: 0 success, 1 a negative answer, 2 a usage error (CONTRACTS.md §9).
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config.settings import Settings

USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    # Until the logs are set up, a warning (an import's, say) is held, then logged: this
    # package's modules import only the standard library at the top, so none can come before.
    with warnings.catch_warnings(record=True) as early:
        args = build_parser().parse_args(argv)
        settings = _settings()
        if settings is None:
            return USAGE_ERROR
        _place_metrics(args.command, settings)
        _configure_logs(args, settings)
    from workers.core import logs

    logs.capture_warnings(early)
    return int(args.handler(args, settings))


def _configure_logs(args: argparse.Namespace, settings: Settings) -> None:
    """JSON lines for a service, short text for a person; the demo's go to its run folder."""
    from workers.core import logs

    serving = args.command in ("run", "worker", "desk")
    as_json = (settings.log_format or ("json" if serving else "text")) == "json"
    if args.command == "demo":
        from workers.demo.folder import LOG_FILE, new_run_dir

        args.run_dir = new_run_dir(args.dir)
        logs.configure(logging.INFO, as_json=as_json, file=args.run_dir / LOG_FILE)
    else:
        logs.configure(logging.INFO if serving else logging.WARNING, as_json=as_json)


def _settings() -> Settings | None:
    from pydantic import ValidationError

    from config.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        print(f"permis: invalid settings: {exc}", file=sys.stderr)
        return None


def _place_metrics(command: str, settings: Settings) -> None:
    # Before anything imports prometheus-client or dramatiq (see workers.core.multiprocess).
    from workers.core.multiprocess import metrics_are_shared, share_metrics, single_process_metrics

    if command == "run":
        share_metrics(settings.metrics_dir, fresh=True)
    elif command == "worker":
        if not metrics_are_shared():
            share_metrics(settings.metrics_dir, fresh=False)
    else:
        single_process_metrics()


def build_parser() -> argparse.ArgumentParser:
    # Here, not at the top: the groups take USAGE_ERROR and migrated_store from this package.
    # Like it, they import only the standard library at the top.
    from workers.cli import contract, documents, dossiers, keys, ops, pipeline, verification

    parser = argparse.ArgumentParser(prog="permis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    # In the order `permis --help` lists them.
    for group in (pipeline, dossiers, documents, ops, verification, keys, contract):
        group.add_commands(commands)
    return parser


def migrated_store(settings: Settings) -> Any:
    """The configured store, its schema brought up to date."""
    from workers.core.store import Store

    store = Store.from_url(settings.database_url)
    store.migrate()
    return store
