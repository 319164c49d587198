"""Refresh Permis's lock on purpose, or check that it agrees with pyproject.toml.

    .venv/bin/python requirements/refresh.py                 every package to its newest allowed
    .venv/bin/python requirements/refresh.py cryptography    only the packages named
    .venv/bin/python requirements/refresh.py --minimal       only what pyproject.toml changed
    .venv/bin/python requirements/refresh.py --check         exit 1 if anything is out of date

``uv.lock`` is the lock (uv's own, every platform, every hash); the files beside this script
are what pip installs from, exported from it, one per set of packages (SETS). A refresh
resolves again, rewrites them and prints what changed; then run the whole suite.
Needs only the standard library and uv, which the test set installs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "requirements"

# file → what `uv export` puts in it. `build` is setuptools, for installing Permis itself
# without build isolation, so that it too comes from the lock; `lock` is uv.
SETS: dict[str, tuple[str, ...]] = {
    "runtime.txt": ("--group", "build"),
    "test.txt": ("--extra", "test", "--group", "build", "--group", "lock"),
    "bench.txt": ("--extra", "test", "--extra", "bench", "--group", "build", "--group", "lock"),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def uv() -> str:
    """The uv installed beside this Python (the test set's), else one on the PATH."""
    try:
        from uv import find_uv_bin
    except ImportError:
        return "uv"
    return str(find_uv_bin())


def run_uv(*args: str) -> str:
    done = subprocess.run(
        [uv(), *args, "--project", str(ROOT)],
        capture_output=True,
        text=True,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )
    if done.returncode != 0:
        raise SystemExit(f"uv {' '.join(args)} failed:\n{done.stderr.strip()}")
    return done.stdout


def exported(name: str, *, offline: bool = False) -> str:
    """What the requirement file ``name`` must hold, from uv.lock as it is."""
    extra = ("--offline",) if offline else ()
    body = run_uv(
        "export",
        "--locked",
        *extra,
        "--format",
        "requirements-txt",
        "--no-emit-project",
        "--no-default-groups",
        "--no-header",
        *SETS[name],
    )
    command = f"requirements/refresh.py (uv export {' '.join(SETS[name])})"
    return f"# Generated from uv.lock by {command}: do not edit.\n{body}"


def pins(text: str) -> dict[str, str]:
    """Package name → version, as a requirement file pins them."""
    return {name.lower(): version for name, version in PIN.findall(text)}


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """One line per package added, removed or moved to another version."""
    lines = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        lines.append(f"{name}: {old or 'added'} -> {new or 'removed'}")
    return lines


def stale(*, offline: bool) -> list[str]:
    """What disagrees: uv.lock with pyproject.toml, or a requirement file with uv.lock."""
    extra = ("--offline",) if offline else ()
    check = subprocess.run(
        [uv(), "lock", "--check", *extra, "--project", str(ROOT)], capture_output=True, text=True
    )
    if check.returncode != 0:
        return [f"uv.lock does not agree with pyproject.toml:\n{check.stderr.strip()}"]
    return [
        f"requirements/{name} is not what uv.lock exports"
        for name in SETS
        if not (HERE / name).is_file()
        or (HERE / name).read_text() != exported(name, offline=offline)
    ]


def refresh(packages: list[str], *, minimal: bool = False) -> list[str]:
    """Resolve again (all packages, those named, or only what pyproject.toml changed when
    ``minimal``), rewrite the files; return what changed."""
    before = {name: pins((HERE / name).read_text()) for name in SETS if (HERE / name).is_file()}
    upgrade = [arg for package in packages for arg in ("--upgrade-package", package)]
    run_uv("lock", *(upgrade or ([] if minimal else ["--upgrade"])))
    moved: dict[str, str] = {}
    for name in SETS:
        text = exported(name)
        (HERE / name).write_text(text)
        for line in changes(before.get(name, {}), pins(text)):
            moved[line.split(":")[0]] = line
    return [moved[key] for key in sorted(moved)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", help="refresh only these (default: all)")
    parser.add_argument(
        "--minimal", action="store_true", help="keep every pin pyproject.toml still allows"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the lock is stale")
    parser.add_argument("--offline", action="store_true", help="with --check: no network")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale(offline=args.offline)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(
                "refresh on purpose: requirements/refresh.py, then run the suite", file=sys.stderr
            )
        return 1 if problems else 0
    moved = refresh(args.packages, minimal=args.minimal)
    print("\n".join(moved) if moved else "nothing changed")
    if moved:
        print("now run the whole suite: .venv/bin/python -m pytest -q")
    return 0


if __name__ == "__main__":
    sys.exit(main())
