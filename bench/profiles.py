"""Where each stage's CPU goes under load: py-spy on every worker process, summarised.

    .venv/bin/python bench/load.py --profile DIR [--profile-seconds 20] [load options]
    .venv/bin/python bench/profiles.py DIR          (the summary again, from DIR's stacks)
    .venv/bin/python bench/profiles.py DIR --against OLD_DIR   (areas' shares, side by side)

bench/load.py starts one ``py-spy record --gil`` per worker process as the submissions
begin; each writes ``DIR/<stage>.txt``, its stacks collapsed with their sample counts
(flame-graph input). Only the thread holding the GIL is sampled, so a sample is Python
running, not waiting on the broker or the database. The summary sorts each stage's
samples by where they were spent: the leaf frame's package (Permis's own modules by stage,
each library by name, the standard library by module).

py-spy is not in the lock (it is a tool, run beside the processes, never imported):
``pip install py-spy``, or pass ``--py-spy PATH``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+)(?::\d+)?\)$")
SITE = re.compile(r"/site-packages/(?P<package>[A-Za-z0-9_]+)")
STDLIB = re.compile(r"/lib/python3\.\d+/(?P<module>[A-Za-z0-9_]+)")
OWN = re.compile(r"/(?P<top>workers|messages|config|templates)/(?P<part>[A-Za-z0-9_]+)")


@dataclass(frozen=True)
class Recording:
    """A running py-spy: its process and the file it writes."""

    process: subprocess.Popen[bytes]
    out: Path


def py_spy(explicit: str | None = None) -> str:
    """The py-spy to run: ``explicit``, the one beside this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = explicit or (str(beside) if beside.exists() else shutil.which("py-spy"))
    if not found:
        raise SystemExit("py-spy not found: pip install py-spy, or pass --py-spy PATH")
    return found


def record(pids: dict[int, str], seconds: int, folder: Path, tool: str) -> list[Recording]:
    """Start sampling each process in ``pids`` (pid → stage name) for ``seconds``."""
    folder.mkdir(parents=True, exist_ok=True)
    started = []
    for pid, name in sorted(pids.items(), key=lambda item: item[1]):
        out = folder / f"{name}.txt"
        command = [tool, "record", "--pid", str(pid), "--gil", "--format", "raw"]
        command += ["--rate", "100", "--duration", str(seconds), "--nonblocking"]
        command += ["--full-filenames", "--output", str(out)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(Recording(process, out))
    return started


def finish(recordings: list[Recording], timeout_s: float) -> None:
    """Wait for every recording to write its file; say which failed and why."""
    for recording in recordings:
        try:
            _, err = recording.process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            recording.process.kill()
            _, err = recording.process.communicate()
        if not recording.out.exists():
            print(f"py-spy wrote no {recording.out.name}: {err.decode()[-500:]}", file=sys.stderr)


def area(frame: str) -> str:
    """Where a frame's code lives: ``permis:<top>.<part>``, a library, or ``stdlib:<module>``."""
    found = FRAME.match(frame)
    path = found.group("file") if found else frame
    if site := SITE.search(path):
        return site.group("package")
    if own := OWN.search(path):
        return f"permis:{own.group('top')}.{own.group('part')}"
    if std := STDLIB.search(path):
        return f"stdlib:{std.group('module')}"
    return path


def leaves(stacks: str) -> Counter[str]:
    """Samples by leaf frame, from py-spy's collapsed stacks."""
    counted: Counter[str] = Counter()
    for line in stacks.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counted[stack.rsplit(";", 1)[-1]] += int(count)
    return counted


def by_area(leaf_samples: Counter[str]) -> Counter[str]:
    """Samples by the area of their leaf frame."""
    areas: Counter[str] = Counter()
    for frame, count in leaf_samples.items():
        areas[area(frame)] += count
    return areas


def summary(folder: Path, top: int = 8) -> str:
    """Markdown: per stage, its samples and the areas and functions that took most."""
    lines = [f"### Profiles in `{folder}` (py-spy --gil, 100 Hz)", ""]
    for stacks in sorted(folder.glob("*.txt")):
        samples = leaves(stacks.read_text(encoding="utf-8"))
        total = sum(samples.values()) or 1
        lines += [f"**{stacks.stem}**: {total} samples", "", "| where | share |", "|---|---:|"]
        lines += [f"| {name} | {n / total:.0%} |" for name, n in by_area(samples).most_common(top)]
        lines += ["", "| function (self) | share |", "|---|---:|"]
        lines += [f"| `{name}` | {n / total:.0%} |" for name, n in samples.most_common(top)]
        lines.append("")
    return "\n".join(lines)


def shares(folder: Path) -> dict[str, Counter[str]]:
    """Per stage, the share of its samples each area took."""
    found = {}
    for stacks in sorted(folder.glob("*.txt")):
        areas = by_area(leaves(stacks.read_text(encoding="utf-8")))
        total = sum(areas.values())
        if total:
            found[stacks.stem] = Counter({name: n / total for name, n in areas.items()})
    return found


def compared(before: Path, after: Path, top: int = 6) -> str:
    """Markdown: per stage, the areas that took most, as shares before and after."""
    old, new = shares(before), shares(after)
    lines = ["| stage | where | before | after |", "|---|---|---:|---:|"]
    for stage in sorted(old.keys() & new.keys()):
        names = [name for name, _ in (old[stage] + new[stage]).most_common(top)]
        lines += [
            f"| {stage} | {name} | {old[stage][name]:.0%} | {new[stage][name]:.0%} |"
            for name in names
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where bench/load.py --profile wrote stacks")
    parser.add_argument("--against", type=Path, help="an earlier folder: shares side by side")
    args = parser.parse_args()
    print(compared(args.against, args.folder) if args.against else summary(args.folder))


if __name__ == "__main__":
    main()
