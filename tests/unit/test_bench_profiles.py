"""bench/profiles.py: py-spy's collapsed stacks, sorted by where the samples were spent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SITE = "/venv/lib/python3.11/site-packages"
STACKS = "\n".join(
    [
        f"run (/w/workers/bootstrap.py:1);execute ({SITE}/sqlalchemy/engine/base.py:9) 30",
        "run (/w/workers/bootstrap.py:1);render (/w/workers/mail/compose.py:4) 10",
        "run (/w/workers/bootstrap.py:1);dumps (/usr/lib/python3.11/json/encoder.py:2) 5",
        f"run (/w/workers/bootstrap.py:1);execute ({SITE}/sqlalchemy/engine/base.py:9) 5",
        "not a stack line",
    ]
)


def load_profiles() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_profiles", ROOT / "bench" / "profiles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_samples_are_counted_by_leaf_frame_and_sorted_by_package() -> None:
    profiles = load_profiles()

    leaves = profiles.leaves(STACKS)
    areas = profiles.by_area(leaves)

    assert leaves[f"execute ({SITE}/sqlalchemy/engine/base.py:9)"] == 35
    assert areas == {"sqlalchemy": 35, "permis:workers.mail": 10, "stdlib:json": 5}


def test_two_folders_compare_stage_by_stage(tmp_path: Path) -> None:
    profiles = load_profiles()
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir(), after.mkdir()
    (before / "mail.txt").write_text(STACKS)
    (after / "mail.txt").write_text(f"x ({SITE}/sqlalchemy/engine/base.py:9) 10\n")

    table = profiles.compared(before, after)

    assert "| mail | sqlalchemy | 70% | 100% |" in table
    assert "| mail | permis:workers.mail | 20% | 0% |" in table
