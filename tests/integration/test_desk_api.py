"""The verification desk over HTTP, served by uvicorn as `permis desk` serves it: verdicts,
hostile input, limits, headers, and logs that say nothing of the documents checked."""

from __future__ import annotations

import base64
import html
import json
import logging
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from config.settings import Settings
from tests.conftest import UNREACHABLE_DATABASE
from tests.support.desk import (
    NUMBER,
    REPLACEMENT,
    Issued,
    database_with_replacement,
    issue,
    other_key_code,
    served,
)
from tests.support.documents import edited_code
from tests.support.processes import clean_env, permis
from tests.support.smtp import free_port
from workers.core.logs import JsonFormatter
from workers.desk.app import build_app, create_app
from workers.desk.checks import Checked, Desk
from workers.desk.guard import SECURITY_HEADERS
from workers.desk.limits import BUSY_RETRY_AFTER_S
from workers.seal.code import MAX_CODE_LENGTH as MAX_CODE_CHARS
from workers.seal.keys import load_certificate
from workers.seal.verify import MAX_PDF_BYTES

pytestmark = pytest.mark.timeout(120)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    return issue(tmp_path_factory.mktemp("desk"))


@pytest.fixture(scope="module")
def desk(issued: Issued, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The desk with a database that knows the document and no replacement of it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'permis.db'}"
    # Another document's story: nothing replaces the one the tests verify.
    database_with_replacement(url, "AT26-0000099-9-A1", "AT26-0000099-9-A2")
    app = create_app(Settings(seal_cert=issued.cert_file, database_url=url))
    with served(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def pdf(client: httpx.Client, body: bytes, content_type: str = "application/pdf") -> Any:
    return client.post("/api/v1/verify/pdf", content=body, headers={"content-type": content_type})


def code(client: httpx.Client, text: str) -> httpx.Response:
    return client.post("/api/v1/verify/code", json={"code": text})


def refused(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["error"] == error and answer["message"], answer


# --- verdicts ---------------------------------------------------------------------------------


def test_a_genuine_pdf_is_genuine_with_its_signed_data(desk: httpx.Client, issued: Issued) -> None:
    response = pdf(desk, issued.pdf)
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "genuine" and answer["reason"] is None
    assert answer["document"] == issued.payload.model_dump(mode="json")
    assert answer["replacement_checked"] is True


def test_a_pdf_may_come_as_a_multipart_file(desk: httpx.Client, issued: Issued) -> None:
    files = {"file": ("authorization.pdf", issued.pdf, "application/pdf")}
    answer = desk.post("/api/v1/verify/pdf", files=files).json()
    assert answer["status"] == "genuine" and answer["document"]["doc"] == NUMBER


@pytest.mark.parametrize(
    ("which", "reason"),
    [
        ("tampered_pdf", "signature_broken"),
        ("foreign_pdf", "unknown_signer"),
        ("appended", "modified_after_signing"),
        ("truncated", "damaged"),
    ],
)
def test_an_altered_or_foreign_pdf_is_not_genuine_and_says_why(
    desk: httpx.Client, issued: Issued, which: str, reason: str
) -> None:
    bodies = {
        "appended": issued.pdf + b"\n% later\n",
        "truncated": issued.pdf[: len(issued.pdf) // 2],
    }
    response = pdf(desk, bodies.get(which) or getattr(issued, which))
    assert response.status_code == 200
    answer = response.json()
    assert (answer["status"], answer["reason"]) == ("not_genuine", reason)
    assert answer["explanation"] and answer["document"] is None
    assert answer["replacement_checked"] is None


def test_a_genuine_code_is_genuine_with_its_signed_data(desk: httpx.Client, issued: Issued) -> None:
    answer = code(desk, issued.code).json()
    assert answer["status"] == "genuine"
    assert answer["document"] == issued.payload.model_dump(mode="json")
    # A scanner may cut it over lines: whitespace is no part of a JWS.
    broken = "\n".join(issued.code[i : i + 60] for i in range(0, len(issued.code), 60))
    assert code(desk, f"  {broken}\n").json()["status"] == "genuine"


def test_forged_codes_are_not_genuine(desk: httpx.Client, issued: Issued, tmp_path: Path) -> None:
    forgeries = {
        "code_signature_broken": edited_code(issued.code, last_name="DUPONT"),
        "unknown_key": other_key_code(issued, tmp_path / "other"),
    }
    for reason, forged in forgeries.items():
        answer = code(desk, forged).json()
        assert (answer["status"], answer["reason"]) == ("not_genuine", reason), answer


def test_a_superseded_document_names_its_replacement(issued: Issued, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'permis.db'}"
    database_with_replacement(url)
    app = create_app(Settings(seal_cert=issued.cert_file, database_url=url))
    with served(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        for response in (pdf(client, issued.pdf), code(client, issued.code)):
            answer = response.json()
            assert response.status_code == 200
            assert answer["status"] == "superseded" and answer["superseded_by"] == REPLACEMENT
            assert answer["document"]["doc"] == NUMBER and answer["replacement_checked"] is True


def test_an_unreachable_database_leaves_the_seal_to_answer_and_says_so(
    issued: Issued,
) -> None:
    app = create_app(Settings(seal_cert=issued.cert_file, database_url=UNREACHABLE_DATABASE))
    with served(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        answer = pdf(client, issued.pdf).json()
        assert answer["status"] == "genuine" and answer["replacement_checked"] is False
        page = client.post("/verifier", data={"code": issued.code})
        assert page.status_code == 200 and "Authentique" in page.text
        assert "Impossible de vérifier si ce document a été remplacé" in page.text


def test_without_a_database_the_replacement_is_not_checked(issued: Issued) -> None:
    with served(create_app(Settings(seal_cert=issued.cert_file))) as base:
        answer = httpx.post(f"{base}/api/v1/verify/code", json={"code": issued.code}).json()
    assert answer["status"] == "genuine" and answer["replacement_checked"] is False


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 400, "empty"),
        (b"hello, I am a work authorization", 422, "not_a_pdf"),
        (PNG, 422, "not_a_pdf"),
        (b"\x00" * 4096, 422, "not_a_pdf"),
    ],
    ids=["empty", "text", "png", "zeros"],
)
def test_what_is_not_a_pdf_is_an_error_not_a_verdict(
    desk: httpx.Client, body: bytes, status: int, error: str
) -> None:
    refused(pdf(desk, body), status, error)


def test_a_pdf_over_the_limit_is_refused(desk: httpx.Client, issued: Issued) -> None:
    oversized = issued.pdf + b"%" * (MAX_PDF_BYTES + 1 - len(issued.pdf))
    assert len(oversized) == MAX_PDF_BYTES + 1
    refused(pdf(desk, oversized), 413, "too_large")
    files = {"file": ("big.pdf", oversized, "application/pdf")}
    refused(desk.post("/api/v1/verify/pdf", files=files), 413, "too_large")
    exactly = pdf(desk, oversized[:-1])  # the limit itself is allowed: a verdict
    assert exactly.status_code == 200 and exactly.json()["status"] == "not_genuine"


def raw_request(base: str, head: bytes, body: Iterator[bytes]) -> bytes:
    """Send a request by hand, every piece of it, then read the head of the answer."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        for piece in body:
            sock.sendall(piece)
        received = b""
        while b"\r\n\r\n" not in received:
            data = sock.recv(65536)
            if not data:
                break
            received += data
        return received


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    desk: httpx.Client,
) -> None:
    head = (
        b"POST /api/v1/verify/pdf HTTP/1.1\r\nHost: desk\r\nContent-Type: application/pdf\r\n"
        + f"Content-Length: {MAX_PDF_BYTES + 1}\r\n\r\n".encode()
    )
    answer = raw_request(str(desk.base_url), head, iter([b"%PDF-1.7\n"]))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_chunked_body_is_refused_at_the_chunk_that_crosses_the_limit(
    desk: httpx.Client,
) -> None:
    head = (
        b"POST /api/v1/verify/pdf HTTP/1.1\r\nHost: desk\r\nContent-Type: application/pdf\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    # One byte over the limit, and no final chunk: the answer cannot wait for the body's end.
    body = b"%PDF-1.7\n" + b"0" * (MAX_PDF_BYTES - 8)
    size = 1024 * 1024
    chunks = (
        b"%x\r\n" % len(body[i : i + size]) + body[i : i + size] + b"\r\n"
        for i in range(0, len(body), size)
    )

    answer = raw_request(str(desk.base_url), head, chunks)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


@pytest.mark.parametrize(
    ("text", "status", "error"),
    [
        ("", 400, "empty"),
        ("   \n ", 400, "empty"),
        ("hello", 422, "malformed_code"),
        ("a.b.c", 422, "malformed_code"),
        ("eyJhbGciOiJub25lIn0.eyJ2IjoxfQ.", 422, "malformed_code"),
        ("https://example.org/verify?code=abc.def.ghi", 422, "malformed_code"),
        ("a\uff0eb\uff0ec", 422, "malformed_code"),
        ("x" * (MAX_CODE_CHARS + 1), 413, "too_large"),
    ],
    ids=["empty", "blank", "word", "dots", "alg-none", "url", "wide-dots", "too-long"],
)
def test_what_is_not_a_seal_code_is_an_error_not_a_verdict(
    desk: httpx.Client, text: str, status: int, error: str
) -> None:
    refused(code(desk, text), status, error)


def test_a_code_escaping_a_lone_surrogate_is_malformed_not_a_failure(desk: httpx.Client) -> None:
    # Valid JSON, but no UTF-8 string: it used to reach the JWS library and answer 500.
    body = b'{"code": "eyJ\\udcff.a.b"}'
    answer = desk.post(
        "/api/v1/verify/code", content=body, headers={"content-type": "application/json"}
    )
    refused(answer, 422, "malformed_code")


def test_codes_signed_with_another_algorithm_are_refused(
    desk: httpx.Client, issued: Issued
) -> None:
    claims = issued.payload.model_dump(mode="json")
    hs256 = jwt.encode(claims, "s" * 32, algorithm="HS256", headers={"kid": "0" * 64})
    refused(code(desk, hs256), 422, "malformed_code")
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    unsigned = ".".join((header, issued.code.split(".")[1], ""))
    refused(code(desk, unsigned), 422, "malformed_code")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"text": "eyJ"}', "application/json"),
        (b'["eyJ"]', "application/json"),
        (b'{"code": 42}', "application/json"),
        (b"{not json", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"[" * 10_000, "application/json"),
    ],
    ids=["no-code-field", "array", "number", "broken-json", "not-utf8", "deep-nesting"],
)
def test_a_code_request_without_a_code_is_a_bad_request(
    desk: httpx.Client, body: bytes, content_type: str
) -> None:
    response = desk.post(
        "/api/v1/verify/code", content=body, headers={"content-type": content_type}
    )
    refused(response, 400, "bad_request")


def test_a_multipart_pdf_request_without_its_file_field_is_a_bad_request(
    desk: httpx.Client, issued: Issued
) -> None:
    files = {"document": ("a.pdf", issued.pdf, "application/pdf")}
    refused(desk.post("/api/v1/verify/pdf", files=files), 400, "bad_request")
    broken = b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\n%PDF'
    response = pdf(desk, broken, "multipart/form-data; boundary=xyz")
    refused(response, 400, "bad_request")


def test_a_content_type_an_endpoint_does_not_read_is_refused(
    desk: httpx.Client, issued: Issued
) -> None:
    refused(pdf(desk, issued.pdf, "text/plain"), 415, "unsupported_media_type")
    refused(pdf(desk, issued.pdf, "application/octet-stream"), 415, "unsupported_media_type")
    response = desk.post("/api/v1/verify/code", data={"code": issued.code})
    refused(response, 415, "unsupported_media_type")
    refused(
        desk.post("/api/v1/verify/code", content=issued.code.encode()),
        415,
        "unsupported_media_type",
    )


# --- the page's forms over HTTP ---------------------------------------------------------------


def test_the_page_forms_answer_problems_on_the_form_with_a_4xx(
    desk: httpx.Client, issued: Issued
) -> None:
    cases = [
        ({"files": {"file": ("", b"", "application/octet-stream")}}, 400, "file"),
        ({"files": {"file": ("a.png", PNG, "image/png")}}, 422, "file"),
        ({"data": {"code": ""}}, 400, "code"),
        ({"data": {"code": "not a code"}}, 422, "code"),
        ({"data": {"code": "x" * 5000}}, 413, "code"),
    ]
    for request, status, field in cases:
        response = desk.post("/verifier", **request)
        assert response.status_code == status, (request, response.status_code)
        page = response.text
        assert f'aria-describedby="{field}-hint {field}-error"' in page
        assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    page = desk.post("/en/verify", data={"code": "not a code"}).text
    assert '<html lang="en">' in page and "This text is not the code" in page


def test_a_page_form_over_the_limit_says_so_on_the_form(desk: httpx.Client) -> None:
    files = {"file": ("big.pdf", b"%PDF" + b"0" * MAX_PDF_BYTES, "application/pdf")}
    response = desk.post("/verifier", files=files)
    assert response.status_code == 413 and "dépasse 10 Mo" in response.text


def test_a_result_address_opened_again_leads_back_to_the_form(desk: httpx.Client) -> None:
    for address, home in (("/verifier", "/"), ("/en/verify", "/en")):
        response = desk.get(address)
        assert response.status_code == 303 and response.headers["location"] == home


# --- headers, OpenAPI, health ----------------------------------------------------------------


def test_every_response_carries_the_security_headers(desk: httpx.Client, issued: Issued) -> None:
    responses = [
        desk.get("/"),
        desk.get("/en"),
        desk.get("/desk.css"),
        desk.get("/dsfr/core/core.min.css"),
        desk.get("/dsfr/fonts/Marianne-Regular.woff2"),
        desk.get("/dsfr/no-such-file.css"),
        desk.get("/accessibilite"),
        desk.get("/en/personal-data"),
        desk.get("/healthz"),
        desk.get("/api/v1/openapi.json"),
        pdf(desk, issued.pdf),
        pdf(desk, b"", "text/plain"),
        code(desk, "hello"),
        desk.get("/no/such/page"),
        desk.get("/api/v1/verify/pdf"),
        desk.post("/verifier", data={"code": ""}),
    ]
    for response in responses:
        for name, value in SECURITY_HEADERS:
            assert response.headers.get(name) == value, (response.url, name)
        assert "server" not in response.headers


def test_the_dsfr_files_and_the_statements_are_served_by_the_desk_itself(
    desk: httpx.Client,
) -> None:
    css = desk.get("/dsfr/core/core.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.text.startswith("/*!\n * DSFR v1.15.3")
    font = desk.get("/dsfr/fonts/Marianne-Bold.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
    assert desk.get("/dsfr/../pages.py").status_code == 404
    for address, heading in (
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
        ("/en/accessibility", "Accessibility statement"),
        ("/en/legal-notice", "Legal notice"),
        ("/en/personal-data", "Personal data"),
    ):
        page = desk.get(address)
        assert page.status_code == 200 and f"<h1>{heading}</h1>" in html.unescape(page.text), (
            address
        )


def test_errors_outside_the_verification_are_json_for_the_api_and_pages_for_people(
    desk: httpx.Client,
) -> None:
    refused(desk.get("/api/v1/nothing"), 404, "not_found")
    refused(desk.get("/api/v1/verify/code"), 405, "method_not_allowed")
    page = desk.get("/en/nothing")
    assert page.status_code == 404 and "Page not found" in page.text


def test_the_openapi_document_is_served_and_no_page_loads_a_script(desk: httpx.Client) -> None:
    document = desk.get("/api/v1/openapi.json").json()
    assert set(document["paths"]) == {"/api/v1/verify/pdf", "/api/v1/verify/code"}
    for address in ("/docs", "/redoc"):
        assert desk.get(address).status_code == 404
    for address in ("/", "/en"):
        assert "<script" not in desk.get(address).text
    assert desk.get("/healthz").text == "ok"


# --- privacy ----------------------------------------------------------------------------------


class Captured(logging.Handler):
    """Every log record of the process, as `permis desk` writes it (JSON), with its thread."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.records: list[tuple[str, dict[str, Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.threadName, json.loads(self.format(record))))

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [line for _, line in self.records]

    def getvalue(self) -> str:
        return "\n".join(json.dumps(line, ensure_ascii=False) for line in self.lines)


@pytest.fixture
def logs() -> Iterator[Captured]:
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_the_logs_of_verifications_say_nothing_of_the_documents(
    issued: Issued, logs: Captured
) -> None:
    app = create_app(Settings(seal_cert=issued.cert_file, database_url=UNREACHABLE_DATABASE))
    with served(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        files = {"file": ("REDDY-Z7654321.pdf", issued.pdf, "application/pdf")}
        client.post("/verifier", files=files)
        client.post("/en/verify", data={"code": issued.code})
        client.post("/api/v1/verify/pdf", files=files)
        code(client, issued.code)
        code(client, edited_code(issued.code, last_name="DUPONT"))
        pdf(client, issued.tampered_pdf)
    # Another server of this module may log its last request late; only this one's count.
    requests = [
        line
        for thread, line in logs.records
        if thread == f"desk {base}" and line.get("logger") == "permis.desk" and "path" in line
    ]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("POST", "/verifier", 200),
        ("POST", "/en/verify", 200),
        ("POST", "/api/v1/verify/pdf", 200),
        ("POST", "/api/v1/verify/code", 200),
        ("POST", "/api/v1/verify/code", 200),
        ("POST", "/api/v1/verify/pdf", 200),
    ]
    assert all(isinstance(r["ms"], float) for r in requests)
    assert any(line["message"].startswith("replacement not checked") for line in logs.lines)
    text = logs.getvalue()
    payload = issued.payload
    secrets = [payload.last_name, payload.first_names, payload.passport, payload.doc]
    secrets += [payload.employer_name, payload.birth_date.isoformat(), "REDDY-Z7654321"]
    secrets += [issued.code[:40], issued.code.split(".")[1][:40], "DUPONT"]
    for secret in secrets:
        assert secret and secret not in text, secret


class FailingDesk:
    """A desk whose verification fails unexpectedly, with a person's name in the error."""

    def check_code(self, text: str) -> Any:
        raise RuntimeError("REDDY Sai Kiran Z7654321")

    check_pdf = check_code


def test_an_unexpected_failure_is_a_bare_500_with_the_headers_and_no_data_logged(
    logs: Captured,
) -> None:
    app = build_app(FailingDesk())  # type: ignore[arg-type]
    with served(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        upload = {"file": ("REDDY-Z7654321.pdf", b"%PDF-1.7", "application/pdf")}
        answers = [
            code(client, "a.b.c"),
            client.post("/verifier", data={"code": "a.b.c"}),
            client.post("/api/v1/verify/pdf", files=upload),
        ]
        lost = client.get("/api/v1/REDDY-Z7654321")
    for answer in answers:
        assert answer.status_code == 500
        assert answer.json()["error"] == "internal"
        for name, value in SECURITY_HEADERS:
            assert answer.headers.get(name) == value, name
    assert lost.status_code == 404
    lines = logs.lines
    failures = [line for line in lines if line.get("message") == "request failed"]
    assert [line["error"] for line in failures] == ["RuntimeError"] * 3
    served_lines = json.dumps([line for line in lines if line.get("logger") != "httpx"])
    for secret in ("REDDY", "Z7654321", "Sai Kiran"):  # the client's own lines aside
        assert secret not in served_lines, secret


class HeldDesk(Desk):
    """A desk whose code checks wait until let go, so that a test can fill it."""

    def __init__(self, certificate_file: Path) -> None:
        super().__init__(load_certificate(certificate_file), None)
        self.entered = threading.Semaphore(0)
        self.let_go = threading.Event()

    def check_code(self, text: str) -> Checked:
        self.entered.release()
        self.let_go.wait(60)
        return super().check_code(text)


def test_past_its_limit_the_desk_answers_busy_in_the_askers_terms_with_its_headers(
    issued: Issued,
) -> None:
    held = HeldDesk(issued.cert_file)
    with served(build_app(held, concurrency=2)) as base, ThreadPoolExecutor(2) as pool:
        under_way = [
            pool.submit(
                httpx.post, f"{base}/api/v1/verify/code", json={"code": issued.code}, timeout=60
            )
            for _ in range(2)
        ]
        with httpx.Client(base_url=base, timeout=60) as client:
            try:
                assert all(held.entered.acquire(timeout=30) for _ in under_way)
                busy = [
                    code(client, issued.code),
                    client.post("/en/verify", data={"code": issued.code}),
                    client.get("/"),
                ]
                alive = client.get("/healthz")
                drawn = [client.get(path) for path in ("/desk.css", "/dsfr/core/core.min.css")]
            finally:
                held.let_go.set()
            finished = [future.result() for future in under_way]
            after = code(client, issued.code)
    assert [answer.status_code for answer in busy] == [503, 503, 503]
    assert alive.status_code == 200 and alive.text == "ok"
    assert [answer.status_code for answer in drawn] == [200, 200]  # "busy" shows as drawn
    for answer in busy:
        assert answer.headers["retry-after"] == str(BUSY_RETRY_AFTER_S)
        for name, value in SECURITY_HEADERS:
            assert answer.headers.get(name) == value, name
    refused(busy[0], 503, "busy")
    assert "<h1>The desk is busy</h1>" in busy[1].text
    assert "<h1>Service très sollicité</h1>" in busy[2].text
    assert [answer.json()["status"] for answer in [*finished, after]] == ["genuine"] * 3


def test_nothing_uploaded_is_written_to_disk(
    desk: httpx.Client, issued: Issued, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))

    def no_files(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the desk opened a temporary file")

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, no_files)
    # Over the 1 MiB past which Starlette's own form parsing would spool to a file.
    large = issued.pdf + b"%" * (3 * 1024 * 1024)
    files = {"file": ("large.pdf", large, "application/pdf")}
    assert desk.post("/api/v1/verify/pdf", files=files).json()["status"] == "not_genuine"
    assert desk.post("/verifier", files=files).status_code == 200
    assert list(spool.iterdir()) == []


# --- the command --------------------------------------------------------------------------------


def test_permis_desk_refuses_to_start_without_a_usable_certificate(
    issued: Issued, tmp_path: Path
) -> None:
    def desk(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            permis("desk"),
            cwd=tmp_path,
            env=clean_env(**env),
            capture_output=True,
            text=True,
            timeout=60,
        )

    result = desk()
    assert result.returncode == 2 and "PERMIS_SEAL_CERT" in result.stderr
    not_a_certificate = tmp_path / "authorization.pdf"
    not_a_certificate.write_bytes(issued.pdf)
    result = desk(PERMIS_SEAL_CERT=str(not_a_certificate))
    assert result.returncode == 2 and "certificate" in result.stderr


def test_permis_desk_serves_with_json_logs_until_told_to_stop(
    issued: Issued, tmp_path: Path
) -> None:
    port = free_port()
    process = subprocess.Popen(
        permis("desk", "--port", str(port)),
        cwd=tmp_path,
        env=clean_env(PERMIS_SEAL_CERT=str(issued.cert_file)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"{base}/healthz").text == "ok"
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert (
            pdf(httpx.Client(base_url=base, timeout=60), issued.pdf).json()["status"] == "genuine"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines()]
    served_lines = {(line.get("path"), line.get("status")) for line in lines}
    assert {("/healthz", 200), ("/api/v1/verify/pdf", 200)} <= served_lines
    assert issued.payload.last_name not in err and "color_message" not in err
