"""Running the pipeline: ``run``, ``worker``, ``prepare`` and ``demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from workers.cli import USAGE_ERROR

if TYPE_CHECKING:
    from config.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="run the whole pipeline, supervised")
    run.set_defaults(handler=_run)

    worker = commands.add_parser("worker", help="run one stage (or ingress)")
    worker.add_argument("stage", choices=_process_names())
    worker.set_defaults(handler=_worker)

    prepare = commands.add_parser(
        "prepare", help="bring the database schema up to date and declare the broker topology"
    )
    prepare.set_defaults(handler=_prepare)

    demo = commands.add_parser("demo", help="feed the sample messages through the pipeline")
    demo.add_argument("--dir", type=Path, default=Path("permis-demo"), help="where runs are kept")
    demo.set_defaults(handler=_demo)


def _process_names() -> tuple[str, ...]:
    from workers.core.stages import PROCESS_NAMES

    return PROCESS_NAMES


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from workers.core.stages import PROCESS_NAMES
    from workers.runner import stop_on_signals
    from workers.supervisor import supervise

    if not _can_start(PROCESS_NAMES, settings, "permis run"):
        return USAGE_ERROR
    with _refused("permis run") as refused:
        return supervise(settings, stop_on_signals())
    return refused.status


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.runner import run_process, stop_on_signals

    if not _can_start((args.stage,), settings, "permis worker"):
        return USAGE_ERROR
    with _refused("permis worker") as refused:
        run_process(args.stage, settings, stop_on_signals())
    return refused.status


def _can_start(names: Sequence[str], settings: Settings, command: str) -> bool:
    from workers.runner import configuration_problem

    problems = [p for p in (configuration_problem(n, settings) for n in names) if p]
    for problem in problems:
        print(f"{command}: {problem}", file=sys.stderr)
    return not problems


def _prepare(args: argparse.Namespace, settings: Settings) -> int:
    from workers.supervisor import prepare

    with _refused("permis prepare") as refused:
        prepare(settings)
    return refused.status


class _Refusal:
    status = 0


@contextmanager
def _refused(command: str) -> Iterator[_Refusal]:
    """A permanent error at start (a queue to move, credentials refused) is one line
    and exit status 1, not a traceback."""
    from workers.core.errors import PermanentError

    refusal = _Refusal()
    try:
        yield refusal
    except PermanentError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        refusal.status = 1


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from workers.demo.run import run_demo

    return run_demo(settings, sys.stdout, args.run_dir)
