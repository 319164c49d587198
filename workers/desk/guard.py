"""What wraps every response of the desk: security headers, one log line per request, and
a bound on the requests under way.

The log line holds the method, the route's template, the status and the duration: never
the body, a file name, a code or anything the document says.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("permis.desk")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    (
        # DSFR needs two things more than our own page did: its Marianne font (font-src,
        # served by the desk), and the bloc-marque's images, which its stylesheet holds
        # inline as data: SVG (img-src data:, for images only: no script runs from them).
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self';"
        " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)
_OURS = {name.encode() for name, _ in SECURITY_HEADERS}
_FAILED = b'{"error":"internal","message":"the desk failed; nothing was kept"}'


class SecurityHeaders:
    """Sets the security headers on every HTTP response, replacing any the app set."""

    def __init__(self, app: Asgi) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                ours = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS]
                message["headers"] = kept + ours
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestLog:
    """Logs each request once it is answered; an unexpected failure is a bare 500, logged."""

    def __init__(self, app: Asgi) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        except Exception as exc:
            # The exception's text may quote what was sent: its type is all that is logged.
            log.error("request failed", extra={"error": type(exc).__name__})
            await _answer_failure(send)
        finally:
            _log_request(scope, status, started)


class ConcurrencyLimit:
    """Lets ``limit`` requests be under way at once; the next ones get ``busy(scope)``'s answer.
    Requests for the paths ``exempt`` says yes to (a health check, static files) pass uncounted.
    """

    def __init__(
        self,
        app: Asgi,
        limit: int,
        busy: Callable[[Scope], Asgi],
        exempt: Callable[[str], bool] = lambda _path: False,
    ) -> None:
        self.app = app
        self.limit = limit
        self.busy = busy
        self.exempt = exempt
        self.under_way = 0  # one event loop: no lock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.under_way >= self.limit:
            await self.busy(scope)(scope, receive, send)
            return
        self.under_way += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.under_way -= 1


async def _answer_failure(send: Send) -> None:
    start = {
        "type": "http.response.start",
        "status": 500,
        "headers": [(b"content-type", b"application/json")],
    }
    # When the response had started, or the client left, there is no one to answer.
    with contextlib.suppress(Exception):
        await send(start)
        await send({"type": "http.response.body", "body": _FAILED})


def _log_request(scope: Scope, status: int, started: float) -> None:
    route = getattr(scope.get("route"), "path", None) or "(no route)"
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    log.info(
        "%s %s %d %.1f ms",
        scope["method"],
        route,
        status,
        duration_ms,
        extra={"method": scope["method"], "path": route, "status": status, "ms": duration_ms},
    )
