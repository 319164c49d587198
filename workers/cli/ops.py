"""Operating the pipeline: ``dlq`` (list, show, replay, purge), ``purge`` and ``health``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from workers.cli import USAGE_ERROR, migrated_store
from workers.cli import text as cli_text

if TYPE_CHECKING:
    from config.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dlq = commands.add_parser("dlq", help="messages kept for ops: failed in a stage, or refused")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    dlq_list = dlq_commands.add_parser("list", help="how many messages wait in each queue")
    dlq_list.add_argument("--json", action="store_true")
    dlq_list.set_defaults(handler=_dlq_list)
    dlq_show = dlq_commands.add_parser("show", help="the messages of a queue, with their reason")
    dlq_show.add_argument("queue", help="a stage (intake, mail…), portal, agents, or a name")
    dlq_show.add_argument("--limit", type=int, default=20)
    dlq_show.add_argument("--json", action="store_true")
    dlq_show.set_defaults(handler=_dlq_show)
    for verb, what in (("replay", "publish again, retries reset"), ("purge", "drop for good")):
        action = dlq_commands.add_parser(verb, help=f"{what}: the messages given, or --all")
        action.add_argument("queue")
        action.add_argument("ids", nargs="*", help="message ids, as `dlq show` prints them")
        action.add_argument("--all", action="store_true", help="every message of the queue")
        action.set_defaults(handler=_dlq_act, verb=verb)

    purge = commands.add_parser(
        "purge", help="erase personal data of dossiers final for longer than the retention"
    )
    purge.set_defaults(handler=_purge)

    health = commands.add_parser(
        "health", help="broker, database and relay reachable, and every queue consumed"
    )
    health.add_argument("--json", action="store_true")
    health.set_defaults(handler=_health)


def _dlq_list(args: argparse.Namespace, settings: Settings) -> int:
    def answer(_queue: Any, dead_letters: Any) -> int:
        cli_text.print_answer(dead_letters.counts(), args.json, cli_text.dlq_counts_text)
        return 0

    return _on_dead_letters(None, settings, answer)


def _dlq_show(args: argparse.Namespace, settings: Settings) -> int:
    def answer(queue: Any, dead_letters: Any) -> int:
        letters = dead_letters.peek(queue, max(args.limit, 0))
        shown = {"queue": queue.name, "messages": [cli_text.dead_letter(m) for m in letters]}
        cli_text.print_answer(shown, args.json, cli_text.dlq_text)
        return 0

    return _on_dead_letters(args.queue, settings, answer)


def _dlq_act(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.ids) == args.all:
        print(f"permis dlq {args.verb}: give message ids or --all", file=sys.stderr)
        return USAGE_ERROR

    def act(queue: Any, dead_letters: Any) -> int:
        verb = dead_letters.replay if args.verb == "replay" else dead_letters.purge
        done = verb(queue, None if args.all else set(args.ids))
        print(f"{args.verb}: {done} message(s) of {queue.name}")
        return 0 if done or args.all else 1

    return _on_dead_letters(args.queue, settings, act)


def _on_dead_letters(name: str | None, settings: Settings, work: Any) -> int:
    """Run ``work(queue, dead_letters)``: exit 2 for an unknown queue, 1 if the broker fails."""
    from workers.core.deadletters import DeadLetters, dead_letter_queue
    from workers.core.errors import PermisError

    try:
        queue = dead_letter_queue(name) if name is not None else None
        return int(work(queue, DeadLetters(settings.broker_url_or_default)))
    except LookupError as exc:
        print(f"permis dlq: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except PermisError as exc:
        print(f"permis dlq: {exc}", file=sys.stderr)
        return 1


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import purge
    from workers.core.clock import system_clock

    counts = purge(migrated_store(settings), system_clock(), settings.retention_years)
    print(
        f"erased the personal data of {counts['dossiers']} dossier(s)"
        f" and {counts['rejections']} rejected submission(s)"
    )
    return 0


def _health(args: argparse.Namespace, settings: Settings) -> int:
    from workers.health import health

    checks = health(settings)
    answer = {
        "healthy": all(c.ok for c in checks),
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
    }
    cli_text.print_answer(answer, args.json, cli_text.health_text)
    return 0 if answer["healthy"] else 1
