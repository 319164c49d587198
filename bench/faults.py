"""Faults under a longer load: the fault suite (tests/faults) with more submissions.

    .venv/bin/python bench/faults.py [--rate 30] [--seconds 120] [-k SCENARIO]
                                     [--out bench/results/faults.md]

Each scenario starts `permis run` on its own vhost and database of the suite's own
three-node RabbitMQ cluster and PostgreSQL pair, publishes ``rate × seconds``
submissions (a tenth of them granted), injects its fault a third of the way in (SIGKILL
a stage worker, kill or restart broker nodes, stop the SMTP server for 30 s, restart or
fail over PostgreSQL), then checks that every dossier and email arrived, none twice but
under the same Message-ID. The machine's own RabbitMQ and PostgreSQL are not touched.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = (
    "scenario",
    "submissions",
    "dossiers",
    "grants",
    "emails expected",
    "emails received",
    "distinct emails",
    "resent, same Message-ID",
    "published again by the portal",
    "stage messages retried",
    "outbox rows published late",
    "first dossier completed after the fault",
    "settled after the load",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=30.0, help="submissions per second")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the load lasts")
    parser.add_argument("-k", default=None, help="only the scenarios matching (pytest -k)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "faults.md")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as out:
        out.write(
            f"\n## {args.rate:g} submissions/s for {args.seconds:g} s per scenario\n\n"
            f"- Machine: {describe()}\n"
            f"- Date: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
            f"- Command: `{shlex.join(sys.orig_argv)}`\n\n"
            f"| {' | '.join(COLUMNS)} |\n|{'---|' * len(COLUMNS)}\n"
        )
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "tests/faults",
        f"--fault-rate={args.rate}",
        f"--fault-seconds={args.seconds}",
        f"--fault-report={args.out}",
    ]
    if args.k:
        command += ["-k", args.k]
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
