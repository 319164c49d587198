"""The seal's QR code for engines that draw it themselves: dark runs, or one SVG path.

The modules come from the production ``qr_matrix`` (error correction M, quiet zone
included), so every engine draws the very same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

_DARK_RUN = re.compile(rb"\x01+")


def dark_runs(matrix: Sequence[bytes]) -> Iterator[tuple[int, int, int]]:
    """Each horizontal run of dark modules as ``(row, first column, length)``."""
    for row, modules in enumerate(matrix):
        for run in _DARK_RUN.finditer(modules):
            yield row, run.start(), run.end() - run.start()


def qr_svg(matrix: Sequence[bytes], size_mm: float) -> str:
    """An SVG of the code, ``size_mm`` square: one path of one rectangle per dark run."""
    modules = len(matrix)
    path = "".join(f"M{x} {y}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {modules} {modules}"'
        f' width="{size_mm}mm" height="{size_mm}mm" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{path}"/></svg>'
    )
