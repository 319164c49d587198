"""The one settings object, read from ``PERMIS_*`` environment variables once at start."""

from __future__ import annotations

import urllib.parse
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_DATABASE_URL = "sqlite:///permis.db"


class SmtpTls(StrEnum):
    """How the SMTP connection is secured."""

    none = "none"
    starttls = "starttls"
    tls = "tls"


class Settings(BaseSettings):
    """Everything Permis reads from its environment (CONTRACTS.md §9)."""

    model_config = SettingsConfigDict(env_prefix="PERMIS_", frozen=True, extra="ignore")

    broker_url: str | None = Field(
        default=None,
        description="amqp:// URL, or one per node of a cluster separated by commas; "
        "`permis run` defaults to the local broker, `permis demo` runs in-process when unset.",
    )
    database_url: str = DEFAULT_DATABASE_URL
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_tls: SmtpTls = SmtpTls.none
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "ne-pas-repondre@permis.example"
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    # json (one object per line) or text; default: json for `run` and `worker`.
    log_format: Literal["json", "text"] | None = None
    # /metrics for Prometheus (0: none); where processes share their counters.
    metrics_port: int = Field(default=9191, ge=0, le=65535)
    metrics_dir: Path | None = None
    # PEM bundle of the authority that signed the relay's certificate, when not a public one.
    smtp_ca_file: Path | None = None
    mail_reply_to: str | None = None
    mail_dir: Path | None = None
    decision_keys: Path | None = None
    seal_key: Path | None = None
    seal_cert: Path | None = None
    sweep_interval_s: float = Field(default=60.0, gt=0)
    retention_years: int = Field(
        default=5, ge=1, le=100, description="how long a final dossier's personal data is kept"
    )
    worker_threads: int = Field(default=4, ge=1, le=64)
    worker_processes: int = Field(default=1, ge=1, le=32)
    outbox_relay_interval_s: float = Field(default=5.0, gt=0)
    # Where `permis desk` (the verification desk) listens; --host and --port override them.
    desk_host: str = "127.0.0.1"
    desk_port: int = Field(default=8080, ge=1, le=65535)

    @field_validator("broker_url")
    @classmethod
    def _nodes_of_one_vhost(cls, url: str | None) -> str | None:
        if url is not None:
            broker_nodes(url)
        return url

    @property
    def reply_to(self) -> str:
        return self.mail_reply_to or self.smtp_from

    @property
    def broker_url_or_default(self) -> str:
        return self.broker_url or DEFAULT_BROKER_URL


def broker_nodes(url: str) -> list[str]:
    """The node URLs of a broker setting: one ``amqp://`` URL, or several separated by
    commas, one per node of a cluster. ValueError when they do not all name one vhost."""
    nodes = [node.strip() for node in url.split(",") if node.strip()]
    if not nodes:
        raise ValueError("no broker URL")
    for node in nodes:
        if urllib.parse.urlsplit(node).scheme not in ("amqp", "amqps"):
            raise ValueError(f"not an amqp:// or amqps:// URL: {_without_password(node)}")
    vhosts = {_vhost(node) for node in nodes}
    if len(vhosts) > 1:
        raise ValueError(f"the broker's nodes name different vhosts: {sorted(vhosts)}")
    return nodes


def _vhost(url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    return urllib.parse.unquote(path[1:]) if len(path) > 1 else "/"


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"
