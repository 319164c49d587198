"""The lock agrees with pyproject.toml, and the files pip installs from agree with the lock:
uv's own check, offline, as `requirements/refresh.py --check` runs it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFRESH = Path("requirements") / "refresh.py"


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / REFRESH), "--check", "--offline"],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The lock's inputs and outputs, copied where a test may change them."""
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


@pytest.mark.timeout(150)
def test_the_lock_and_the_requirement_files_are_up_to_date() -> None:
    done = check(ROOT)
    assert done.returncode == 0, done.stderr


@pytest.mark.timeout(150)
def test_a_dependency_added_to_pyproject_but_not_locked_is_found(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('"jinja2>=3.1,<4",', '"jinja2>=3.1,<4",\n    "six>=1",', 1))
    done = check(project)
    assert done.returncode == 1
    assert "uv.lock does not agree with pyproject.toml" in done.stderr


@pytest.mark.timeout(150)
def test_a_pin_edited_by_hand_in_a_requirement_file_is_found(project: Path) -> None:
    test_set = project / "requirements" / "test.txt"
    edited, count = re.subn(r"^pytest==\S+", "pytest==8.0.0", test_set.read_text(), flags=re.M)
    assert count == 1
    test_set.write_text(edited)
    done = check(project)
    assert done.returncode == 1
    assert "requirements/test.txt is not what uv.lock exports" in done.stderr


def test_every_set_pins_every_package_with_a_hash() -> None:
    for name in ("runtime.txt", "test.txt", "bench.txt"):
        text = (ROOT / "requirements" / name).read_text()
        pins = re.findall(r"^([A-Za-z0-9][\w.-]*)==(\S+)", text, flags=re.M)
        assert pins, name
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
        assert all("--hash=sha256:" in block for block in blocks), name
    runtime = (ROOT / "requirements" / "runtime.txt").read_text()
    assert re.search(r"^setuptools==", runtime, flags=re.M)  # Permis itself builds from it
    assert not re.search(r"^pytest==", runtime, flags=re.M)
