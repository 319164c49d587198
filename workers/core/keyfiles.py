"""Private key files: written once, readable by their owner only, never replaced."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization


def write_private_key(path: Path, key: Any) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, mode 0600 from the start."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: never replace a key someone else just wrote; 0600 from the start, never wider.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(pem)
