"""What the desk reads of a request: bodies under a cap, forms parsed in memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator

import pytest

from workers.desk.forms import (
    MAX_FIELDS,
    BadForm,
    media_type,
    parse_multipart,
    parse_urlencoded,
)
from workers.desk.limits import TooLarge, read_capped

BOUNDARY = "----desk"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class Chunks:
    """An endless body, counting how many chunks the reader pulled."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.pulled += 1
            yield b"x" * self.size


async def finite(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def read(chunks: AsyncIterable[bytes], declared: str | None, limit: int) -> bytes:
    return asyncio.run(read_capped(chunks, declared, limit))


def test_an_endless_body_is_refused_at_the_chunk_that_crosses_the_cap() -> None:
    body = Chunks(1000)
    with pytest.raises(TooLarge):
        read(body, None, 10_000)
    assert body.pulled == 11  # ten fit, the eleventh crosses: nothing more is read


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = Chunks(1)
    with pytest.raises(TooLarge):
        read(body, "10001", 10_000)
    assert body.pulled == 0


def test_a_body_up_to_the_cap_is_read_whole() -> None:
    assert read(finite(b"ab", b"cd"), "4", 4) == b"abcd"
    assert read(finite(), None, 4) == b""
    with pytest.raises(TooLarge):
        read(finite(b"ab", b"cde"), None, 4)  # no declared length: the count stops it
    with pytest.raises(TooLarge):
        read(finite(b"ab", b"cde"), "2", 4)  # a length declared short is not believed


def multipart(*parts: tuple[str, bytes], end: bool = True) -> bytes:
    body = b""
    for name, data in parts:
        body += (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="x.pdf"'
                "\r\nContent-Type: application/pdf\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return body + (f"--{BOUNDARY}--\r\n".encode() if end else b"")


def test_a_multipart_form_gives_each_field_s_bytes() -> None:
    pdf = b"%PDF-1.7\r\n--not-the-boundary\r\n" + bytes(range(256)) * 10
    fields = parse_multipart(multipart(("file", pdf), ("note", b"")), MULTIPART)
    assert fields == {"file": pdf, "note": b""}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (multipart(("file", b"%PDF")), "multipart/form-data"),
        (multipart(("file", b"%PDF"), end=False), MULTIPART),
        (multipart(("file", b"a"), ("file", b"b")), MULTIPART),
        (multipart(*[(f"f{i}", b"") for i in range(MAX_FIELDS + 1)]), MULTIPART),
        (b"garbage", MULTIPART),
        (
            f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            MULTIPART,
        ),
    ],
    ids=["no-boundary", "cut-short", "repeated", "too-many", "garbage", "nameless"],
)
def test_a_broken_multipart_form_is_refused(body: bytes, content_type: str) -> None:
    with pytest.raises(BadForm):
        parse_multipart(body, content_type)


def test_a_url_encoded_form_gives_each_field_s_text() -> None:
    assert parse_urlencoded(b"code=eyJ.a%2Bb.c&x=") == {"code": "eyJ.a+b.c", "x": ""}
    for body in (b"code=\xff", b"code=a&code=b", b"&".join([b"a=1"] * (MAX_FIELDS + 1))):
        with pytest.raises(BadForm):
            parse_urlencoded(body)


def test_the_media_type_is_read_bare_and_in_lower_case() -> None:
    assert media_type("Multipart/Form-Data; boundary=x") == "multipart/form-data"
    assert media_type(None) == "" and media_type("application/pdf") == "application/pdf"
