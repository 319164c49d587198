"""Forms read from a body already in memory: multipart (the PDF) and URL-encoded (the code).

Starlette's own form parsing spools uploads over 1 MiB to a temporary file; the desk must
write nothing, so it parses the capped body itself with python-multipart's streaming parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELDS = 4


class BadForm(Exception):
    """A body that does not read as the form it claims to be."""


def media_type(content_type: str | None) -> str:
    """The bare media type of a Content-Type header, lower case: ``multipart/form-data``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """Each field's content by name; BadForm for a broken body or a repeated field."""
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        raise BadForm("no boundary")
    reader = _Parts()
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        parser.write(body)
        parser.finalize()
    except (FormParserError, ValueError) as exc:
        raise BadForm("multipart body does not parse") from exc
    if not reader.ended:
        raise BadForm("multipart body is cut short")
    return reader.fields


def parse_urlencoded(body: bytes) -> dict[str, str]:
    """Each field's value by name; BadForm for text that is not UTF-8 or a repeated field."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadForm("URL-encoded body does not parse") from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise BadForm("a field is repeated")
        fields[name] = value
    return fields


@dataclass
class _Parts:
    """What the streaming parser reports, gathered into fields."""

    fields: dict[str, bytes] = field(default_factory=dict)
    ended: bool = False
    _header_name: bytearray = field(default_factory=bytearray)
    _header_value: bytearray = field(default_factory=bytearray)
    _name: str | None = None
    _data: bytearray = field(default_factory=bytearray)

    def callbacks(self) -> Any:  # python-multipart's MultipartCallbacks, a TypedDict
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_part_data": lambda data, start, end: self._data.extend(data[start:end]),
            "on_part_end": self._end,
            "on_end": self._finished,
        }

    def _begin(self) -> None:
        if len(self.fields) >= MAX_FIELDS:
            raise BadForm("too many fields")
        self._name = None
        self._data = bytearray()

    def _header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            disposition, options = parse_options_header(bytes(self._header_value))
            name = options.get(b"name")
            if disposition == b"form-data" and name is not None:
                self._name = name.decode("utf-8", "replace")
        self._header_name.clear()
        self._header_value.clear()

    def _end(self) -> None:
        if self._name is None:
            raise BadForm("a part has no name")
        if self._name in self.fields:
            raise BadForm("a field is repeated")
        self.fields[self._name] = bytes(self._data)

    def _finished(self) -> None:
        self.ended = True
