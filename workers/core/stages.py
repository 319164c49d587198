"""The pipeline's stages: each one actor on its own dramatiq queue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """A stage's actor name and queue."""

    name: str
    queue: str


INTAKE = Stage("intake", "permis.intake")
ROUTING = Stage("routing", "permis.routing")
MAIL = Stage("mail", "permis.mail")

STAGES = {stage.name: stage for stage in (INTAKE, ROUTING, MAIL)}
