"""Where every process writes its metrics, decided before prometheus-client is imported.

prometheus-client reads ``PROMETHEUS_MULTIPROC_DIR`` when it is imported, and dramatiq's
Prometheus middleware reads ``dramatiq_prom_db`` when it is: both must be set first,
which is why this module imports neither.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MULTIPROCESS_ENV = ("PROMETHEUS_MULTIPROC_DIR", "dramatiq_prom_db")
SUPERVISED_ENV = "PERMIS_METRICS_SERVED_BY_SUPERVISOR"


def share_metrics(directory: Path | None, *, fresh: bool) -> Path:
    """Make this process (and the ones it starts) write metrics under ``directory``.

    Must run before prometheus-client or dramatiq is imported. ``fresh`` empties it of a
    previous run's files (the supervisor's start); without a directory, a new one is made.
    """
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="permis-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    if fresh:
        for stale in folder.glob("*.db"):
            stale.unlink()
    for name in MULTIPROCESS_ENV:
        os.environ[name] = str(folder)
    return folder


def metrics_are_shared() -> bool:
    return bool(os.environ.get(MULTIPROCESS_ENV[0]))


def single_process_metrics() -> None:
    """Keep this process's metrics in memory (a command that serves none)."""
    for name in MULTIPROCESS_ENV:
        os.environ.pop(name, None)
