"""The seal code: an ES256 JWS (RFC 7515, compact) of the seal payload, keyed by fingerprint."""

from __future__ import annotations

import json
import re
from typing import Any

import jwt
import pydantic

from messages.seal import SEAL_ALGORITHM, SealPayload
from workers.seal.keys import Certificate, SealKey
from workers.seal.reasons import NotGenuine, Reason

MAX_CODE_LENGTH = 4096
_JWS = jwt.PyJWS(algorithms=[SEAL_ALGORITHM])


def sign_code(payload: SealPayload, key: SealKey) -> str:
    """The compact JWS of ``payload``, signed by the seal key, ``kid`` its certificate's."""
    body = json.dumps(
        payload.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
    ).encode()
    headers = {"kid": key.certificate.kid, "typ": None}
    return _JWS.encode(body, key.private_key, algorithm=SEAL_ALGORITHM, headers=headers)


# Three base64url parts: any other character (a lone surrogate, a full-width dot) is no code.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def read_code(text: str, certificate: Certificate) -> SealPayload:
    """The payload of a genuine code signed by ``certificate``'s key; NotGenuine otherwise."""
    token = "".join(text.split())
    if len(token) > MAX_CODE_LENGTH or not _COMPACT_JWS.fullmatch(token):
        raise NotGenuine(Reason.MALFORMED_CODE, "not a compact JWS")
    header = _header(token)
    if header.get("alg") != SEAL_ALGORITHM:
        raise NotGenuine(Reason.MALFORMED_CODE, f"alg {header.get('alg')!r}")
    if header.get("kid") != certificate.kid:
        raise NotGenuine(Reason.UNKNOWN_KEY, "kid is not the trusted certificate's fingerprint")
    try:
        body = _JWS.decode(token, certificate.public_key, algorithms=[SEAL_ALGORITHM])
    except jwt.InvalidSignatureError as exc:
        raise NotGenuine(Reason.CODE_SIGNATURE_BROKEN) from exc
    except jwt.PyJWTError as exc:
        raise NotGenuine(Reason.MALFORMED_CODE, str(exc)) from exc
    try:
        return SealPayload.model_validate_json(body)
    except pydantic.ValidationError as exc:
        raise NotGenuine(Reason.BAD_PAYLOAD, f"{exc.error_count()} invalid fields") from exc


def _header(token: str) -> dict[str, Any]:
    try:
        header = _JWS.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise NotGenuine(Reason.MALFORMED_CODE, str(exc)) from exc
    return dict(header)
