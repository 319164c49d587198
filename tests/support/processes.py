"""Stopping a `permis run` started for a test or a benchmark, as ops would."""

from __future__ import annotations

import signal
import subprocess


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
