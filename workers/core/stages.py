"""The pipeline's stages, each with its own dramatiq queue, and the actors they run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """A stage: the name `permis worker` knows it by, and its queue."""

    name: str
    queue: str


@dataclass(frozen=True)
class ActorRef:
    """An actor of a stage, as other stages address it."""

    name: str
    stage: Stage

    @property
    def queue(self) -> str:
        return self.stage.queue


INTAKE = Stage("intake", "stage.intake")
ROUTING = Stage("routing", "stage.routing")
DECISIONS = Stage("decisions", "stage.decisions")
DOCUMENTS = Stage("documents", "stage.documents")
MAIL = Stage("mail", "stage.mail")

STAGES = {stage.name: stage for stage in (INTAKE, ROUTING, DECISIONS, DOCUMENTS, MAIL)}

# The processes of the pipeline: beside the stages, ingress (the only consumer of the
# external queues) and the deadline sweeper.
INGRESS = "ingress"
DEADLINES = "deadlines"
PROCESS_NAMES = (INGRESS, DEADLINES, *STAGES)

TAKE_IN = ActorRef("take_in", INTAKE)
ROUTE = ActorRef("route", ROUTING)
DECIDE = ActorRef("decide", DECISIONS)
APPLY_PORTAL_CHANGE = ActorRef("apply_portal_change", DECISIONS)
ISSUE_DOCUMENT = ActorRef("issue_document", DOCUMENTS)
SEND_EMAIL = ActorRef("send_email", MAIL)
