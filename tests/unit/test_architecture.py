"""Dependencies point inward: the contract and the stages' rules know nothing of adapters."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ADAPTER_LIBRARIES = {"pika", "dramatiq", "sqlalchemy", "alembic", "aiosmtplib", "psycopg"}
ADAPTER_MODULES = (
    "workers.core.store",
    "workers.core.amqp",
    "workers.core.broker",
    "workers.core.outbox",
    "workers.core.aio",
    "workers.core.services",
    "workers.bootstrap",
    "workers.runner",
    "workers.supervisor",
    "workers.inprocess",
    "workers.demo",
    "workers.ingress.consumer",
    "workers.mail.transport",
    "workers.desk",
)
PURE = [
    "config/reference.py",
    "config/loading.py",
    "config/records.py",
    "config/territory.py",
    "workers/deadlines/rules.py",
    "workers/intake/rules.py",
    "workers/intake/schema.py",
    "workers/intake/texts.py",
    "workers/routing/rules.py",
    "workers/mail/compose.py",
    "workers/mail/mime.py",
    "workers/demo/story.py",
    "workers/mail/letters.py",
    "workers/ingress/admission.py",
    "workers/decisions/rules.py",
    "workers/decisions/outcomes.py",
    "workers/decisions/transitions.py",
    "workers/signatures/verify.py",
    "workers/decisions/texts.py",
    "workers/documents/contexts.py",
    "workers/documents/render.py",
    "workers/documents/markup.py",
    "workers/documents/replacement.py",
    "workers/documents/issuing.py",
    "workers/seal/reasons.py",
    "workers/seal/code.py",
    "workers/seal/pdf.py",
    "workers/seal/verify.py",
    "workers/mail/labels.py",
    "workers/core/details.py",
    "workers/cli/text.py",
]


# Every module of the shared home is pure.
PURE += [str(path.relative_to(ROOT)) for path in sorted((ROOT / "workers" / "law").glob("*.py"))]

STAGES = ("ingress", "intake", "routing", "decisions", "deadlines", "documents", "mail")
ROOMS = (*STAGES, "desk")
"""The rooms: the pipeline's stages and the verification desk. Below them, what they share
(core, law, seal, signatures); above them, what wires them (bootstrap, runner, cli…)."""


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def is_adapter(name: str) -> bool:
    return name.split(".")[0] in ADAPTER_LIBRARIES or name.startswith(ADAPTER_MODULES)


@pytest.mark.parametrize("path", modules("messages"), ids=lambda p: p.name)
def test_messages_import_nothing_of_ours_but_messages(path: Path) -> None:
    ours = {i for i in imports(path) if i.split(".")[0] in {"workers", "config", "templates"}}
    assert not ours, f"{path.name} imports {ours}"


@pytest.mark.parametrize("relative", PURE)
def test_rules_import_no_adapter(relative: str) -> None:
    bad = {i for i in imports(ROOT / relative) if is_adapter(i)}
    assert not bad, f"{relative} imports adapters {bad}"


@pytest.mark.parametrize("path", modules("workers") + modules("config"), ids=str)
def test_only_the_composition_root_imports_actors(path: Path) -> None:
    if path.name == "bootstrap.py" and path.parent.name == "workers":
        return
    actors = {i for i in imports(path) if i.endswith(".actor")}
    assert not actors, f"{path} imports {actors}"


def test_the_pure_list_names_real_files() -> None:
    assert all((ROOT / relative).is_file() for relative in PURE)


def test_the_command_line_imports_nothing_heavy_before_it_sets_up_metrics_and_logs() -> None:
    # prometheus-client and dramatiq read where metrics go when imported, and a library's
    # warning at import must find the logs set up: workers.cli and its parser wait for both.
    probe = (
        "import sys; from workers.cli import build_parser; build_parser(); "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    assert not loaded & {"prometheus_client", "dramatiq", "pyhanko", "pika", "sqlalchemy"}


def room_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "workers" and parts[1] in ROOMS else None


@pytest.mark.parametrize("path", [p for room in ROOMS for p in modules(f"workers/{room}")], ids=str)
def test_a_room_imports_no_other_room(path: Path) -> None:
    # Stages talk through messages; what two of them need lives below them all.
    room = path.relative_to(ROOT / "workers").parts[0]
    others = {i for i in imports(path) if room_of(i) not in (None, room)}
    assert not others, f"{path.relative_to(ROOT)} imports {others}"


def test_the_shared_home_imports_no_room() -> None:
    below = [
        p for folder in ("core", "law", "seal", "signatures") for p in modules(f"workers/{folder}")
    ]
    found = {str(p.relative_to(ROOT)): imports(p) for p in below}
    assert not {path: names for path, names in found.items() if any(map(room_of, names))}


def test_every_package_of_workers_is_placed() -> None:
    placed = {*ROOMS, "core", "law", "seal", "signatures", "cli", "demo"}
    packages = {p.parent.name for p in (ROOT / "workers").glob("*/__init__.py")}
    assert packages == placed


@pytest.mark.parametrize("path", [p for room in ROOMS for p in modules(f"workers/{room}")], ids=str)
def test_every_module_of_a_room_stays_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) < 400
