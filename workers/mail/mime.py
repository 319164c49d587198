"""Write an email's bytes as Python's email package (policy SMTP) writes them, directly.

The same header lines, folded where it folds them, quoted-printable text by its own
encoder, base64 at 76 columns, CRLF line ends and boundaries drawn as it draws them:
tests/unit/test_mail_bytes.py compares the two byte for byte. Values are checked by
compose before they come here.
"""

from __future__ import annotations

import binascii
import random
import re
import string
import sys
from collections.abc import Sequence
from email import quoprimime
from email.policy import SMTP

HEADER_LINE_MAX = 78

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST_MESSAGE_ID = re.compile(rf"<[0-9a-f]{{1,128}}@{_LABEL}(\.{_LABEL})*>")
_Q_PLAIN = frozenset(" -!*+/" + string.ascii_letters + string.digits)  # " " becomes "_"
_FIRST_WORD_ROOM = HEADER_LINE_MAX - len("Subject: ") - len("=?utf-8?q??=")
_NEXT_WORD_ROOM = HEADER_LINE_MAX - len(" ") - len("=?utf-8?q??=")
_LONGEST_FOLDED_WORD = 60
_BASE64_LINE = 76
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))


def header(name: str, value: str) -> str:
    """One header line, CRLF-ended, for an ASCII value without spaces (ours all are).

    On one line it reads as the email package writes it; a longer one is folded by the
    email package itself.
    """
    line = f"{name}: {value}"
    if len(line) <= HEADER_LINE_MAX:
        return line + "\r\n"
    return _folded(name, value)


def subject_header(subject: str) -> str:
    """The Subject line(s): folded at spaces if ASCII, else RFC 2047 encoded words (Q)."""
    if not subject.isascii():
        return "Subject: " + "\r\n ".join(_encoded_words(subject)) + "\r\n"
    if "=?" in subject or max(map(len, subject.split(" "))) > _LONGEST_FOLDED_WORD:
        return _folded("Subject", subject)  # encoded-word lookalikes, unbreakable words
    if len("Subject: ") + len(subject) <= HEADER_LINE_MAX:
        return f"Subject: {subject}\r\n"
    if 1 + len(subject) <= HEADER_LINE_MAX:
        return f"Subject:\r\n {subject}\r\n"  # as the email package: moved whole
    lines = ["Subject:"]
    for word in subject.split(" "):
        if len(lines[-1]) + 1 + len(word) > HEADER_LINE_MAX:
            lines.append("")
        lines[-1] += " " + word
    return "\r\n".join(lines) + "\r\n"


def _encoded_words(subject: str) -> list[str]:
    # email.header's split, without its per-character re-encoding: each word's encoded
    # text fits in what is left of its line once "Subject: " and "=?utf-8?q?...?=" take
    # theirs (57 on the first line, 65 on the next ones); a character is never cut.
    words, start, used, room = [], 0, 0, _FIRST_WORD_ROOM
    for index, character in enumerate(subject):
        size = _q_length(character)
        if used + size > room:
            words.append(subject[start:index])
            start, used, room = index, 0, _NEXT_WORD_ROOM
        used += size
    words.append(subject[start:])
    return [quoprimime.header_encode(word.encode(), charset="utf-8") for word in words]


def _q_length(character: str) -> int:
    if character.isascii():
        return 1 if character in _Q_PLAIN else 3
    return 3 * len(character.encode())


def message_id_header(message_id: str) -> str:
    """The Message-ID line: one unbreakable token, on the name's line or the next."""
    if not _HOST_MESSAGE_ID.fullmatch(message_id):
        return header("Message-ID", message_id)
    # An id that does not fit after the name goes on the next line if it fits there,
    # else stays where it is: the email package's rule for one unbreakable token.
    if len("Message-ID: ") + len(message_id) <= HEADER_LINE_MAX:
        return f"Message-ID: {message_id}\r\n"
    if 1 + len(message_id) <= HEADER_LINE_MAX:
        return f"Message-ID:\r\n {message_id}\r\n"
    return f"Message-ID: {message_id}\r\n"


def body(text: str, html: str, pdfs: Sequence[tuple[str, bytes]] = ()) -> bytes:
    """The Content-Type line and the body: text and HTML alternatives, then any PDFs.

    ``pdfs`` are (file name, content) pairs; the file names are checked by compose.
    """
    inner = _boundary()
    alternatives = [_text_part("plain", text, mime_version=False)]
    alternatives.append(_text_part("html", html, mime_version=True))
    message = _multipart("alternative", inner, alternatives)
    if not pdfs:
        return message
    outer = _boundary()
    if outer == inner:
        outer += ".0"  # as email.generator does when a boundary occurs in the parts
    attached = [_pdf_part(filename, content) for filename, content in pdfs]
    return _multipart("mixed", outer, [message, *attached])


def _folded(name: str, value: str) -> str:
    return str(SMTP.header_factory(name, value).fold(policy=SMTP))


def _text_part(subtype: str, text: str, *, mime_version: bool) -> bytes:
    # As email.contentmanager encodes text: lines split as bytes, quoted-printable by
    # email.quoprimime at the policy's 78 columns (it breaks them at 76).
    lines = text.encode("utf-8").splitlines()
    encoded = quoprimime.body_encode(b"\n".join(lines).decode("latin-1") + "\n", 78)
    headers = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        + ("MIME-Version: 1.0\r\n" if mime_version else "")
    )
    return (headers + "\r\n" + encoded.replace("\n", "\r\n")).encode("ascii")


def _pdf_part(filename: str, content: bytes) -> bytes:
    headers = (
        "Content-Type: application/pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        + header("Content-Disposition", f'attachment; filename="{filename}"')
        + "MIME-Version: 1.0\r\n\r\n"
    )
    return headers.encode("ascii") + _base64_lines(content)


def _base64_lines(content: bytes) -> bytes:
    if not content:
        return b""
    encoded = binascii.b2a_base64(content, newline=False)
    lines = [encoded[i : i + _BASE64_LINE] for i in range(0, len(encoded), _BASE64_LINE)]
    return b"\r\n".join(lines) + b"\r\n"


def _multipart(subtype: str, boundary: str, parts: Sequence[bytes]) -> bytes:
    content_type = f'Content-Type: multipart/{subtype}; boundary="{boundary}"'
    if len(content_type) > HEADER_LINE_MAX:
        content_type = f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"'
    delimiter = f"--{boundary}".encode("ascii")
    return (
        content_type.encode("ascii")
        + b"\r\n\r\n"
        + delimiter
        + b"\r\n"
        + (b"\r\n" + delimiter + b"\r\n").join(parts)
        + b"\r\n"
        + delimiter
        + b"--\r\n"
    )


def _boundary() -> str:
    # email.generator's boundaries, from the same generator: a seeded one gives both the
    # same message. They need not be secret, only absent from the parts, which they
    # are: quoted-printable and base64 lines never hold "==".
    return "=" * 15 + f"{random.randrange(sys.maxsize):0{_BOUNDARY_DIGITS}d}" + "=="
