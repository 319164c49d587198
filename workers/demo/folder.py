"""One demo run's folder: its database, emails, documents, keys and log.

Standard library only, so that the command can send its log there before the pipeline's
imports can warn.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

LOG_FILE = "permis.log"


def new_run_dir(base: Path) -> Path:
    """A fresh folder under ``base``, named after the time of the run."""
    run_dir = base / datetime.now().strftime("run-%Y%m%d-%H%M%S-%f")
    run_dir.mkdir(parents=True)
    return run_dir
