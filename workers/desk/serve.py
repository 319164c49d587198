"""Serving the desk with uvicorn: the desk's own log lines instead of uvicorn's access log."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI

from workers.desk.limits import MAX_CONNECTIONS


def desk_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    """How the desk is served, by ``permis desk`` and by the tests alike."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_config=None,  # keep the process's logging: JSON lines, as the workers write
        server_header=False,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_graceful_shutdown=10,
    )


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve ``app`` until SIGTERM or SIGINT, then finish the requests under way."""
    logging.getLogger("uvicorn.error").addFilter(_without_colours)
    _Server(desk_config(app, host, port)).run()


class _Server(uvicorn.Server):
    """uvicorn's server, but a stop signal ends it cleanly with status 0, as it does a worker
    (uvicorn raises the signal again once stopped, so the process would die of it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        stops = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self._stop) for sig in stops}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, *_: Any) -> None:
        self.should_exit = True


def _without_colours(record: logging.LogRecord) -> bool:
    # uvicorn adds a copy of its message with terminal colour codes: noise in a JSON line.
    record.__dict__.pop("color_message", None)
    return True
