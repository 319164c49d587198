"""What the demo sends: the sample submissions, then decisions and follow-ups on their dossiers."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from messages.portal import DOCUMENTS_SUPPLIED, WITHDRAWN
from workers.signatures.keys import private_key_for
from workers.signatures.verify import sign

SAMPLES = Path(__file__).resolve().parents[2] / "messages" / "samples"
HOSTILE = (("(hostile) not JSON", b"{not json"), ("(hostile) not UTF-8", b"\xff\xfe{}"))

# Which sample dossier gets which decision, and by whom (the samples' own README pairs them).
DECISIONS = (
    ("granted.json", "01", "pf-nanterre"),
    ("refused.json", "06", "pf-tulle"),
    ("documents-requested.json", "03", "pf-avignon"),
)


@dataclass(frozen=True)
class Delivery:
    """One message the demo publishes, on the portal's or the platforms' exchange."""

    label: str
    body: bytes
    channel: Literal["portal", "agents"] = "portal"
    headers: dict[str, Any] = field(default_factory=dict)
    repeat: bool = False

    @property
    def envelope(self) -> dict[str, Any] | None:
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    @property
    def message_id(self) -> str | None:
        envelope = self.envelope
        return str(envelope["id"]) if envelope else None


def submissions() -> list[Delivery]:
    """Every sample submission, the first one again (a redelivery), and two hostile bodies."""
    folder = SAMPLES / "submissions"
    items = [Delivery(p.name, p.read_bytes()) for p in sorted(folder.glob("*.json"))]
    first = items[0]
    items.append(Delivery(f"(again) {first.label}", first.body, repeat=True))
    items.extend(Delivery(label, body) for label, body in HOSTILE)
    return items


def decisions(numbers: dict[str, str], keys: Path) -> list[Delivery]:
    """Signed decisions on three dossiers, and a forged one.

    ``numbers`` maps a sample's two-digit prefix to its dossier number.
    """
    items = [
        _decision(name, numbers[prefix], platform, keys) for name, prefix, platform in DECISIONS
    ]
    forged = Delivery("(hostile) the same grant, unsigned", _fresh(items[0].body), channel="agents")
    return [*items, forged]


def answers(numbers: dict[str, str]) -> list[Delivery]:
    """The employers' follow-ups: the documents asked for, and a withdrawal."""
    return [
        _portal(DOCUMENTS_SUPPLIED, numbers["03"], "documents supplied", _supplied()),
        _portal(WITHDRAWN, numbers["07"], "withdrawn by the employer", {}),
    ]


def _decision(name: str, number: str, platform: str, keys: Path) -> Delivery:
    text = (SAMPLES / "decisions" / name).read_text().replace("<DOSSIER_NUMBER>", number)
    body = text.encode()
    key_id, key = private_key_for(keys, platform)
    outcome = json.loads(body)["data"]["outcome"].replace("_", " ")
    return Delivery(
        f"{outcome} by {platform} for {number}",
        body,
        channel="agents",
        headers={"signature-key-id": key_id, "signature": sign(body, key)},
    )


def _fresh(body: bytes) -> bytes:
    envelope = json.loads(body)
    envelope["id"] = str(uuid.uuid4())
    return json.dumps(envelope).encode()


def _portal(kind: str, number: str, label: str, extra: dict[str, Any]) -> Delivery:
    envelope = {
        "specversion": "1.0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"permis-demo/{kind}/{number}")),
        "source": "/portal",
        "type": kind,
        "time": "2026-12-20T09:00:00+01:00",
        "datacontenttype": "application/json",
        "data": {"dossier_number": number, **extra},
    }
    return Delivery(f"{label} for {number}", json.dumps(envelope).encode())


def _supplied() -> dict[str, Any]:
    return {
        "documents": [
            {
                "kind": "housing_proof",
                "filename": "attestation-hebergement.pdf",
                "media_type": "application/pdf",
                "size_bytes": 183204,
                "sha256": "5f0c6f3b2c1d4e8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a",
            }
        ]
    }
