"""How much the desk reads: bodies are read into memory under a cap, never past it.

A body is refused as soon as it would pass its cap: a declared ``Content-Length`` over
the cap before anything is read, a chunked body at the chunk that crosses it. Nothing
read is ever written to disk.
"""

from __future__ import annotations

from collections.abc import AsyncIterable

from workers.seal.code import MAX_CODE_LENGTH
from workers.seal.verify import MAX_PDF_BYTES

# The caps as the desk's words say them.
PDF_MEGABYTES = MAX_PDF_BYTES // (1024 * 1024)
CODE_CHARACTERS = {"fr": f"{MAX_CODE_LENGTH:,}".replace(",", " "), "en": f"{MAX_CODE_LENGTH:,}"}

# A code as JSON or as a URL-encoded form: room for escapes, no room for anything else.
CODE_BODY_LIMIT = 16 * 1024
# The boundaries and part headers a browser puts around the PDF it uploads.
FORM_OVERHEAD = 16 * 1024
PDF_FORM_LIMIT = MAX_PDF_BYTES + FORM_OVERHEAD

# Each request may hold a PDF in memory: this bounds the whole. Past it, the desk answers
# 503 itself, with its headers and in the asker's language.
MAX_CONCURRENT_REQUESTS = 32
BUSY_RETRY_AFTER_S = 5
# Open connections, idle ones included, past which uvicorn answers a bare 503: a flood,
# not a busy counter.
MAX_CONNECTIONS = 4 * MAX_CONCURRENT_REQUESTS


class TooLarge(Exception):
    """A request body over its cap."""


async def read_capped(chunks: AsyncIterable[bytes], declared: str | None, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes; TooLarge as soon as it would be more."""
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in chunks:
        if len(body) + len(chunk) > limit:
            raise TooLarge
        body += chunk
    return bytes(body)
