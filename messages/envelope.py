"""The CloudEvent 1.0 envelope (structured JSON mode) and the field types shared by messages."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

CONTENT_TYPE = "application/cloudevents+json"
MAX_BODY_BYTES = 512 * 1024

_CONTROL = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}
_CONTROL_BUT_LINE_BREAKS = _CONTROL - {"\n", "\r"}


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _single_line(value: str) -> str:
    if any(ch in _CONTROL for ch in value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    return value


def _multi_line(value: str) -> str:
    if any(ch in _CONTROL_BUT_LINE_BREAKS for ch in value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    return value


FIRST_YEAR, LAST_YEAR = 1900, 2199


def _plausible(value: Any) -> Any:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range",
            "must be between {first} and {last}",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


Day = Annotated[date, AfterValidator(_plausible)]
"""A calendar date between 1900 and 2199: date arithmetic stays far from its limits."""

Instant = Annotated[AwareDatetime, AfterValidator(_plausible)]
"""An RFC 3339 instant with its offset, between 1900 and 2199."""


@dataclass(frozen=True)
class Line(GroupedMetadata):
    """A single-line string: NFC-normalised, no control character, bounded in length."""

    max_length: int
    min_length: int = 1

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(_nfc)
        yield StringConstraints(min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(_single_line)


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """A free text that may hold line breaks (reasons, notes): NFC-normalised, bounded."""

    max_length: int = 2000
    min_length: int = 0

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(_nfc)
        yield StringConstraints(min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(_multi_line)


@dataclass(frozen=True)
class Pattern(GroupedMetadata):
    """A single-line string matching ``regex`` in full."""

    regex: str

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(pattern=self.regex)
        yield AfterValidator(_single_line)


class Data(BaseModel):
    """Base of every message payload: frozen, strict types, unknown fields tolerated."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")


D = TypeVar("D")


class CloudEvent(BaseModel, Generic[D]):
    """A CloudEvent 1.0 in structured JSON mode; ``data`` is the message's payload."""

    model_config = ConfigDict(frozen=True, strict=True, extra="allow")

    specversion: Literal["1.0"]
    id: Annotated[str, Line(200)]
    source: Annotated[str, Line(200)]
    type: Annotated[str, Line(200)]
    time: Instant
    subject: Annotated[str, Line(200)] | None = None
    datacontenttype: Annotated[str, Line(100)] | None = None
    data: D
