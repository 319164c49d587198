"""axe-core in a Playwright page: the WCAG 2.1 A and AA rules, their violations as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SOURCE = (Path(__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def violations(page: Any, tags: tuple[str, ...] = WCAG21_AA) -> list[dict[str, Any]]:
    """axe-core's violations of ``tags`` on ``page`` as it stands, each with its nodes.

    The script goes in through the DevTools protocol (``evaluate``), which a page's Content
    Security Policy does not govern, so the page is tested under its own, unchanged CSP.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(SOURCE)
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags)
    )
    return list(result["violations"])


def described(found: list[dict[str, Any]]) -> str:
    """The violations as lines a person can act on: rule, impact, help and each target."""
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"]]
    return "\n".join(lines)
