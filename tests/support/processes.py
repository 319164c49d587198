"""The `permis run` a test or a benchmark starts: its workers, waiting on it, stopping it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable


def permis(*args: str) -> list[str]:
    """The command line running ``permis`` with ``args`` in this interpreter."""
    return [sys.executable, "-m", "workers.cli", *args]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ``PERMIS_*`` setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERMIS_")}
    return {**env, **extra}


def children(pid: int, pattern: str) -> set[int]:
    """The processes ``pid`` started whose command line matches ``pattern``."""
    found = subprocess.run(["pgrep", "-P", str(pid), "-f", pattern], capture_output=True, text=True)
    return {int(p) for p in found.stdout.split()}


def wait_until(
    predicate: Callable[[], object], timeout_s: float = 30.0, every_s: float = 0.2
) -> bool:
    """Ask ``predicate`` every ``every_s`` until it holds (True) or ``timeout_s`` passed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every_s)
    return False


def stop(process: subprocess.Popen[bytes], grace_s: float = 60.0) -> None:
    """SIGTERM, so its workers stop with it; SIGKILL only if it outlives ``grace_s``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
