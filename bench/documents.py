"""Benchmark the PDF engines on the sealed work authorization, seal and signature included.

    .venv/bin/python bench/documents.py [--runs N] [--warmup N] [--out FILE] [--engines A,B]

For each engine, one after the other in this process: the time to render one
authorization (its QR code drawn), then to issue one as production does (seal code
signed, page rendered with the QR code, PAdES seal by pyHanko); median and p95 over
``--runs`` documents after ``--warmup`` more, output sizes, and the growth of the process's
resident memory. The Markdown table goes to stdout and, under a header describing the
machine and the command, to ``--out``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import shlex
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from machine import cpu_model
from workload import (
    ENGINES,
    Render,
    Unavailable,
    authorizations,
    development_sealer,
    first_line,
    issue,
    try_engine,
)

from workers.documents.contexts import seal_payload
from workers.seal.sealer import Sealer

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "results" / "documents.md"
BUDGET_MS = 40.0
T = TypeVar("T")
SUPPORT = ("pyhanko", "zxing-cpp", "jinja2", "fonttools")


@dataclass
class Workload:
    """The same documents for every engine: one set to render, another to seal."""

    sealer: Sealer
    to_render: list[dict[str, Any]]
    codes: list[str]
    to_seal: list[dict[str, Any]]


@dataclass
class Measure:
    """One engine's figures, or why it has none (``status``)."""

    engine: str
    version: str
    status: str | None = None
    first_ms: float = 0.0
    render_ms: list[float] = field(default_factory=list)
    sealed_ms: list[float] = field(default_factory=list)
    sealed_cpu_ms: list[float] = field(default_factory=list)
    pdf_bytes: list[int] = field(default_factory=list)
    sealed_bytes: list[int] = field(default_factory=list)
    peak_growth_kib: int = 0
    rss_growth_kib: int = 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    total = args.warmup + args.runs
    with development_sealer() as sealer:
        to_render = distinct(authorizations(total))
        workload = Workload(
            sealer=sealer,
            to_render=to_render,
            codes=[sealer.code(seal_payload(context)) for context in to_render],
            to_seal=distinct(authorizations(total, first=total), first=total),
        )
        measures = [measure(name, workload, args.warmup) for name in args.engines]
    table = markdown_table(measures)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header(args, measures) + "\n" + table + "\n" + NOTES, encoding="utf-8")
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0


def distinct(contexts: list[dict[str, Any]], *, first: int = 0) -> list[dict[str, Any]]:
    """The contexts with their employer's and beneficiary's names numbered from ``first``.

    The samples repeat every few documents; in production no two documents share their
    names, so no cache of an earlier document's paragraphs may help here either.
    """
    for n, context in enumerate(contexts, start=first):
        employer, beneficiary = context["employer"], context["beneficiary"]
        context["employer"] = {**employer, "name": f"{employer['name']} {n}"}
        context["beneficiary"] = {
            **beneficiary,
            "last_name": f"{beneficiary['last_name']} {n}",
            "first_names": f"{beneficiary['first_names']} {n}",
        }
    return contexts


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=_at_least(1), default=200, help="measured documents")
    parser.add_argument("--warmup", type=_at_least(0), default=20, help="documents before them")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown file to write")
    parser.add_argument(
        "--engines", type=_engines, default=list(ENGINES), help="comma-separated, all by default"
    )
    return parser.parse_args(argv)


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def _engines(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENGINES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(ENGINES)}")
    return names


# --- measuring ---------------------------------------------------------------------


def measure(name: str, workload: Workload, warmup: int) -> Measure:
    """Import the engine, then time its renders and its sealed documents."""
    gc.collect()
    peak, rss = peak_rss_kib(), current_rss_kib()
    engine = try_engine(name)
    result = Measure(name, _version(name))
    if isinstance(engine, Unavailable):
        result.status = f"unavailable: {engine.reason}"
        return result
    try:
        _run(engine, workload, warmup, result)
    except Exception as exc:  # one engine's failure must not hide the others' figures
        traceback.print_exc()
        result.status = f"failed: {first_line(exc)}"
    result.peak_growth_kib = peak_rss_kib() - peak
    result.rss_growth_kib = current_rss_kib() - rss
    return result


def _run(engine: ModuleType, workload: Workload, warmup: int, result: Measure) -> None:
    render: Render = engine.render
    for n, (context, code) in enumerate(zip(workload.to_render, workload.codes, strict=True)):
        elapsed, pdf = timed(render, context, code)
        if n == 0:
            result.first_ms = elapsed
        if n >= warmup:
            result.render_ms.append(elapsed)
            result.pdf_bytes.append(len(pdf))
    for n, context in enumerate(workload.to_seal):
        cpu_start = time.process_time()
        elapsed, (_, pdf) = timed(issue, workload.sealer, render, context)
        if n >= warmup:
            result.sealed_cpu_ms.append((time.process_time() - cpu_start) * 1000)
            result.sealed_ms.append(elapsed)
            result.sealed_bytes.append(len(pdf))


def timed(function: Callable[..., T], *args: Any) -> tuple[float, T]:
    """What ``function(*args)`` returns, and how long it took in milliseconds."""
    start = time.perf_counter()
    output = function(*args)
    return (time.perf_counter() - start) * 1000, output


def peak_rss_kib() -> int:
    """The process's peak resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def current_rss_kib() -> int:
    """The process's resident memory now, from /proc (0 where there is no /proc)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


# --- reporting ---------------------------------------------------------------------

COLUMNS = (
    "Engine",
    "Version",
    "First render (ms)",
    "Render median (ms)",
    "Render p95 (ms)",
    "Render + seal median (ms)",
    "Render + seal p95 (ms)",
    "Render + seal CPU mean (ms)",
    "PDF (bytes)",
    "Sealed PDF (bytes)",
    "Peak RSS growth (MiB)",
    "RSS growth (MiB)",
    f"Sealed ≤ {BUDGET_MS:.0f} ms",
)
NOTES = """
Times are wall-clock (`time.perf_counter`) per document, medians and 95th percentiles
over the measured runs. "Render" is the engine alone, QR code included, from a ready
context and seal code. "Render + seal" is what the documents stage does per
authorization: the seal payload signed as an ES256 JWS, the page rendered with its QR
code, then the PAdES seal (`Sealer.seal`, pyHanko). "CPU" is the process's CPU time
(`time.process_time`) per sealed document, a mean: on a machine shared with other work
it moves less than the wall-clock figures. Sizes are medians. "First render"
is the engine's first document in the process (lazy loading of fonts and the like).
"Peak RSS growth" is how much the engine raised the process's peak resident memory
(`ru_maxrss`), so it reads 0 for an engine that stayed below an earlier one's peak;
"RSS growth" is the resident memory after its runs minus before its import. ReportLab
is imported before every engine (the other engines reuse `workers.documents.render`),
so its import is in the baseline.
"""


def markdown_table(measures: Sequence[Measure]) -> str:
    """The figures as a Markdown table, one row per engine."""
    lines = [_row(COLUMNS), _row(["---"] * 2 + ["---:"] * (len(COLUMNS) - 2))]
    lines.extend(_row(_cells(m)) for m in measures)
    return "\n".join(lines) + "\n"


def _cells(m: Measure) -> list[str]:
    if m.status is not None:
        return [m.engine, m.version, m.status] + ["—"] * (len(COLUMNS) - 3)
    sealed_median = statistics.median(m.sealed_ms)
    return [
        m.engine,
        m.version,
        f"{m.first_ms:.1f}",
        f"{statistics.median(m.render_ms):.1f}",
        f"{percentile(m.render_ms, 95):.1f}",
        f"{sealed_median:.1f}",
        f"{percentile(m.sealed_ms, 95):.1f}",
        f"{statistics.fmean(m.sealed_cpu_ms):.1f}",
        f"{statistics.median(m.pdf_bytes):.0f}",
        f"{statistics.median(m.sealed_bytes):.0f}",
        f"{m.peak_growth_kib / 1024:.1f}",
        f"{m.rss_growth_kib / 1024:.1f}",
        "yes" if sealed_median <= BUDGET_MS else "no",
    ]


def percentile(values: Sequence[float], rank: int) -> float:
    """The ``rank``-th percentile (1..99) of ``values``, interpolated."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[rank - 1]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def header(args: argparse.Namespace, measures: Sequence[Measure]) -> str:
    """Where and how the figures were taken: machine, versions, date, command."""
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    lines = [
        "# PDF engines: the sealed work authorization",
        "",
        f"- Machine: {cpu_model()}, {cores} cores ({usable} usable), {platform.platform()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- Engines: {'; '.join(_engine_versions(measures))}",
        f"- Also: {', '.join(f'{d} {_distribution_version(d)}' for d in SUPPORT)}",
        f"- Date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- Command: `{shlex.join(sys.orig_argv)}`",
        f"- Runs: {args.runs} documents per measure, after {args.warmup} warm-up documents; "
        "one process, the engines one after the other; each document a different sample "
        "submission and document number, its names numbered",
        f"- Budget: median ≤ {BUDGET_MS:.0f} ms per sealed authorization",
        "",
    ]
    return "\n".join(lines)


def _engine_versions(measures: Sequence[Measure]) -> list[str]:
    described = []
    for m in measures:
        engine = try_engine(m.engine)  # already imported, or unavailable again
        details = getattr(engine, "details", None)
        extra = f" ({details()})" if callable(details) else ""
        if isinstance(engine, Unavailable):
            extra = " (unavailable here)"
        described.append(f"{m.engine} {m.version}{extra}")
    return described


def _version(engine: str) -> str:
    return _distribution_version(ENGINES[engine])


def _distribution_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    sys.exit(main())
