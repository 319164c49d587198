"""Property-based tests of what hostile bodies may do to ingress, intake and decisions.

CONTRACTS.md §1 (hostile bodies) and §2.4 (intake order): whatever a party sends, the
pure checks answer with a value (admitted or refused, rejected or accepted) and never
raise; every error says where (a JSON pointer), in French and in English; what is
accepted is NFC text without control characters; unknown fields are tolerated.

Deterministic (``derandomize``, no example database). The generic strategies below
leave out the value classes that trigger bugs already found: non-finite numbers (A, C),
lone surrogates (D), dates next to date.min/date.max (B), a list or an object as
``category``/``procedure`` (F); nesting next to the recursion limit (E) is built, not
drawn. Each class has its own ``xfail(strict=True, raises=…)`` property at the end,
which names the bug and carries its minimal failing example. When a fix turns one
into XPASS, remove its marker and widen the generic strategy as its reason says.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, assume, currently_in_test_context, example, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from pydantic import BaseModel

import messages.agents
import messages.common
import messages.envelope
import messages.portal
from config.reference import load_reference
from messages.agents import DECIDED, TRANSFERRED
from messages.common import Error, Finding
from messages.envelope import MAX_BODY_BYTES
from messages.portal import DOCUMENTS_SUPPLIED, SUBMITTED, WITHDRAWN, Submitted
from workers.decisions.rules import (
    AgentDecision,
    AgentRefusal,
    DossierView,
    PortalChange,
    PortalRefusal,
    check_agent_message,
    check_portal_change,
)
from workers.decisions.transitions import STATES
from workers.ingress.admission import Admitted, Refused, admit
from workers.intake.rules import Acceptance, check_submission, classify, unknown_type
from workers.law.errors import Rejection
from workers.signatures.verify import SignatureVerdict

REFERENCE = load_reference()
SAMPLES = Path(__file__).resolve().parents[2] / "messages" / "samples"
NUMBER = "AT26-0000042-2"
PLATFORM = "pf-nanterre"
VERDICT = SignatureVerdict(None, "k", PLATFORM)
RECEIVED = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
REFUSAL_REASONS = frozenset(
    {"too_large", "not_utf8", "not_json", "too_deep", "invalid_unicode", "not_cloudevent"}
)
CONTROL = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}
POINTER = re.compile(r"(/([^~/]|~[01])*)*")
Tree = Any
Path_ = tuple[str | int, ...]

BASE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
# A property that fails because of a known bug: one report, the bug's own exception.
KNOWN_BUG = settings(BASE, max_examples=60, report_multiple_bugs=False)


def _load(path: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return body


def _expected_outcomes() -> dict[str, str]:
    lines = (SAMPLES / "expected.csv").read_text("utf-8").splitlines()[1:]
    return {line.split(",")[0]: line.split(",")[1] for line in lines if line}


SUBMISSIONS = {p.name: _load(p) for p in sorted((SAMPLES / "submissions").glob("*.json"))}
DEPOSITED = sorted(
    name for name in SUBMISSIONS if _expected_outcomes().get(f"submissions/{name}") == "deposited"
)
BASELINE = {name: check_submission(SUBMISSIONS[name], REFERENCE) for name in DEPOSITED}


def _model_field_names() -> frozenset[str]:
    """Every field name of every message model: keys that are *not* unknown somewhere."""
    names: set[str] = set()
    for module in (messages.portal, messages.common, messages.envelope, messages.agents):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                names.update(value.model_fields)
    return frozenset(names)


KNOWN_NAMES = _model_field_names()


# --- JSON trees -------------------------------------------------------------------------


def paths(node: Tree, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path into a JSON tree, the root (``()``) first."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


def at(node: Tree, path: Path_) -> Tree:
    for part in path:
        node = node[part]
    return node


def replaced(body: Tree, path: Path_, value: Tree) -> Tree:
    result = copy.deepcopy(body)
    at(result, path[:-1])[path[-1]] = value
    return result


def deleted(body: Tree, path: Path_) -> Tree:
    result = copy.deepcopy(body)
    del at(result, path[:-1])[path[-1]]
    return result


def with_keys(body: Tree, path: Path_, extra: Mapping[str, Tree]) -> Tree:
    result = copy.deepcopy(body)
    at(result, path).update(extra)
    return result


def dict_paths(body: Tree) -> list[Path_]:
    return [p for p in paths(body) if isinstance(at(body, p), dict)]


def strings(value: Any) -> Iterator[str]:
    """Every string (keys included) in a model dump."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


# --- strategies -------------------------------------------------------------------------

TRICKY_TEXT = (
    "",
    " ",
    "e\u0301",  # decomposed é
    "\u212b",  # ANGSTROM SIGN, NFC is U+00C5
    "\ufb01",  # ligature fi (NFC keeps it)
    "<script>alert(1)</script>",
    "{{ 7 * 7 }}",
    "Robert'); DROP TABLE dossiers;--",
    "😀",
    "a\r\nb",
    "\x00",
    "\x7f",
    "\u2028",
    "\ufeff",
    "٣",
    "²",
    "~0/~1",
)
INTERESTING = (
    *get_args(messages.portal.Procedure),
    *get_args(messages.portal.Category),
    *get_args(messages.portal.ContractType),
    *get_args(messages.common.PlatformId),
    *get_args(messages.common.DocumentKind),
    "company",
    "private_individual",
    "F",
    "M",
    "X",
    "fr",
    "en",
    "FR",
    "DZ",
    "DE",
    "IN",
    "75009",
    "20700",
    "97133",
    "97600",
    "98800",
    "2150.00",
    "0",
    "0.00",
    "12345678.00",
    "79864326800021",
    "35600000000048",
    "M1805",
    "62.01Z",
    "0123456789",
    "a@b.example",
    "not an email",
    NUMBER,
    "granted",
    "refused",
    "documents_requested",
    "closed",
    SUBMITTED,
    DOCUMENTS_SUPPLIED,
    WITHDRAWN,
    DECIDED,
    TRANSFERRED,
)
NUMBERS = (0, -1, 35, 48, 49, 964, 10**18, 2**63, -(2**63) - 1, 10**400, -(10**400), 10**4000)
FLOATS = (0.0, -0.0, 5e-324, 0.1, 35.5, 48.0, 48.000001, 803.5, 964.0, 1.7976931348623157e308)


def _offsets() -> st.SearchStrategy[timezone]:
    return st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


def _instant_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# Dates and instants in a realistic range (1900–2100); the years next to date.min and
# date.max are bug B's, see test_dates_and_instants_at_the_ends_of_the_calendar_…
REALISTIC_DATES = st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat)
DATE_LIKE = st.from_regex(r"\A(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}\Z")
REALISTIC_INSTANTS = st.datetimes(
    datetime(1900, 1, 1), datetime(2100, 12, 31), timezones=st.one_of(st.none(), _offsets())
).map(_instant_text)
# The whole calendar, with its first and last years drawn as often as the rest.
EXTREME_DATES = st.one_of(
    st.dates(), st.dates(max_value=date(1, 12, 31)), st.dates(min_value=date(9999, 1, 1))
).map(date.isoformat)
EXTREME_INSTANTS = st.one_of(
    st.datetimes(timezones=_offsets()),
    st.datetimes(max_value=datetime(1, 1, 2), timezones=_offsets()),
    st.datetimes(min_value=datetime(9999, 12, 30), timezones=_offsets()),
).map(_instant_text)

# st.text leaves out lone surrogates (bug D's) and finite floats leave out infinities
# (bugs A and C's): admit lets both through, from "\ud800" and 1e400.
TEXT = st.text(max_size=40) | st.sampled_from(TRICKY_TEXT)
KEYS = st.text(max_size=12) | st.sampled_from(sorted(KNOWN_NAMES))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(NUMBERS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(FLOATS),
    TEXT,
    st.sampled_from(INTERESTING),
    REALISTIC_DATES,
    DATE_LIKE,
    REALISTIC_INSTANTS,
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)
UNKNOWN_KEYS = st.text(max_size=12).filter(lambda key: key not in KNOWN_NAMES)


@st.composite
def mutation(draw: st.DrawFn, body: Tree, values: st.SearchStrategy[Tree] = JSON) -> Tree:
    """``body`` with one value replaced, one key or item deleted, or unknown keys added."""
    operation = draw(st.sampled_from(("replace", "retext", "retext", "delete", "add")))
    if operation == "retext":  # most fields are text: this keeps many bodies acceptable
        texts = [p for p in paths(body) if isinstance(at(body, p), str)]
        return replaced(body, draw(st.sampled_from(texts)), draw(TEXT))
    if operation == "add":
        where = draw(st.sampled_from(dict_paths(body)))
        extra = draw(st.dictionaries(UNKNOWN_KEYS, values, min_size=1, max_size=3))
        return with_keys(body, where, extra)
    path = draw(st.sampled_from([p for p in paths(body) if p]))
    if operation == "delete":
        return deleted(body, path)
    return replaced(body, path, draw(values))


@st.composite
def mutations(draw: st.DrawFn, body: Tree, most: int = 3) -> Tree:
    for _ in range(draw(st.integers(1, most))):
        body = draw(mutation(body))
    return body


ENVELOPE_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": st.sampled_from(["4c6fbaca-5983-5769-9366-4b90c0cd432e", ""]) | TEXT,
    "source": st.sampled_from(["/portal", "/platforms/pf-nanterre", ""]) | TEXT,
    "type": st.sampled_from([SUBMITTED, DOCUMENTS_SUPPLIED, WITHDRAWN, DECIDED, "x"]) | TEXT,
    "time": st.sampled_from(["2026-11-20T10:00:05Z", "2026-11-20T10:00:05"]) | REALISTIC_INSTANTS,
}


@st.composite
def envelopes(draw: st.DrawFn, template: Mapping[str, Any], data: st.SearchStrategy[Tree]) -> Any:
    """A CloudEvent like ``template`` whose data is drawn, and each attribute maybe broken."""
    envelope = {k: v for k, v in template.items() if k != "data"}
    envelope["data"] = draw(data)
    for name, good in ENVELOPE_VALUES.items():
        choice = draw(st.sampled_from(("keep", "keep", "drawn", "missing", "json")))
        if choice == "missing":
            envelope.pop(name, None)
        elif choice != "keep":
            envelope[name] = draw(good if choice == "drawn" else JSON)
    envelope.update(draw(st.dictionaries(UNKNOWN_KEYS, JSON, max_size=2)))
    return envelope


def event(label: str) -> None:
    """Count an outcome for ``--hypothesis-show-statistics`` (no-op outside a property)."""
    if currently_in_test_context():
        hypothesis_event(label)


# --- what every answer must look like ---------------------------------------------------


def check_errors(errors: tuple[Error, ...]) -> None:
    """Non-empty; each error coded, bilingual, at a valid pointer; one per field (§2.4)."""
    assert errors
    for error in errors:
        assert isinstance(error, Error)
        assert error.code
        assert error.message_fr.strip()
        assert error.message_en.strip()
        if error.pointer is not None:
            assert POINTER.fullmatch(error.pointer), error.pointer
    codes = {error.code for error in errors}
    assert "malformed" not in codes  # decided upstream, by admit
    if "schema" in codes:  # the first non-empty set: schema errors alone, one per field
        assert codes == {"schema"}
        pointers = [error.pointer for error in errors]
        assert len(pointers) == len(set(pointers)), pointers
    # Rules may share a field (contract_dates and seasonal_too_long both name end_date),
    # never repeat themselves there.
    located = [(error.code, error.pointer) for error in errors]
    assert len(located) == len(set(located)), located


def check_acceptance(accepted: Acceptance) -> None:
    """The accepted model is NFC text without control characters; findings are well formed."""
    event = accepted.event
    assert isinstance(event, Submitted)
    # CloudEvent extension attributes (unknown top-level keys) are kept as received; the
    # contract's text rule is about its own fields, and only ``data`` is stored.
    declared = event.model_dump(exclude=set(event.model_extra or {}))
    for text in strings(declared):
        assert unicodedata.is_normalized("NFC", text), ascii(text)
        assert not CONTROL.intersection(text), ascii(text)
    for found in accepted.findings:
        assert isinstance(found, Finding)
        assert found.code
        assert found.message_fr.strip()
        assert found.message_en.strip()
    assert accepted.departement
    assert accepted.deadline > accepted.filing_date


def check_intake(envelope: Mapping[str, Any]) -> Rejection | Acceptance:
    """What intake answers a submission body: unknown_type, else check_submission."""
    if classify(envelope) is None:
        refused = unknown_type(envelope)
        assert [e.code for e in refused.errors] == ["unknown_type"]
        result: Rejection | Acceptance = refused
    else:
        result = check_submission(envelope, REFERENCE)
    if isinstance(result, Rejection):
        check_errors(result.errors)
        event(f"rejected: {result.errors[0].code}")  # --hypothesis-show-statistics
    else:
        assert isinstance(result, Acceptance)
        check_acceptance(result)
        event("accepted")
    return result


def hits_bug_f(envelope: Any) -> bool:
    """Whether ``data.category`` or ``data.procedure`` is a list or an object (bug F)."""
    data = envelope.get("data") if isinstance(envelope, Mapping) else None
    if not isinstance(data, Mapping):
        return False
    return any(isinstance(data.get(k), list | dict) for k in ("category", "procedure"))


def check_intake_outside_known_bugs(envelope: Any) -> None:
    assume(not hits_bug_f(envelope))  # test_a_list_or_object_as_category_or_procedure_…
    check_intake(envelope)


# --- 1. ingress: any bytes ----------------------------------------------------------------


def check_admission(body: bytes) -> Admitted | Refused:
    """``admit``'s answer, checked against §1: a CloudEvent object, or a coded refusal."""
    answer = admit(body)
    if isinstance(answer, Refused):
        assert answer.reason in REFUSAL_REASONS
        error = answer.error()
        assert error.code == "malformed"
        assert error.detail == answer.reason
        assert error.message_fr.strip()
        assert error.message_en.strip()
        if len(body) > MAX_BODY_BYTES:
            assert answer.reason == "too_large"
        else:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                assert answer.reason == "not_utf8"
    else:
        assert isinstance(answer, Admitted)
        assert len(body) <= MAX_BODY_BYTES
        assert answer.text == body.decode("utf-8")
        assert answer.envelope["specversion"] == "1.0"
        for name in ("id", "source", "type"):
            assert isinstance(answer.envelope[name], str)
            assert answer.envelope[name]
    return answer


@settings(BASE, max_examples=400)
@given(st.binary(max_size=2048))
def test_admit_answers_any_bytes_with_admitted_or_a_coded_refusal(body: bytes) -> None:
    check_admission(body)


def _json_bodies() -> st.SearchStrategy[bytes]:
    event = envelopes(SUBMISSIONS[DEPOSITED[0]], JSON)
    encoded = st.tuples(JSON | event, st.booleans()).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=pair[1]).encode("utf-8")
    )
    garbled = st.tuples(encoded, st.integers(0, 2047), st.binary(min_size=1, max_size=3)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    )
    return encoded | garbled


@settings(BASE, max_examples=300)
@given(_json_bodies())
def test_admit_then_intake_answer_any_json_body_without_raising(body: bytes) -> None:
    answer = check_admission(body)
    if isinstance(answer, Admitted):
        check_intake_outside_known_bugs(answer.envelope)


def _event(data: str) -> bytes:
    head = (
        '{"specversion":"1.0","id":"4c6fbaca-5983-5769-9366-4b90c0cd432e","source":"/portal",'
        f'"type":"{SUBMITTED}","time":"2026-11-20T10:00:05Z","data":'
    )
    return (head + data + "}").encode("utf-8")


_PADDING = MAX_BODY_BYTES - len(_event('""'))
HOSTILE: dict[str, tuple[bytes, str | None]] = {
    # name: (body, expected refusal reason; "admitted"; None when the contract is silent)
    "600 KiB": (_event('"' + "a" * (600 * 1024) + '"'), "too_large"),
    "exactly 512 KiB": (_event('"' + "a" * _PADDING + '"'), "admitted"),
    "512 KiB + 1": (_event('"' + "a" * (_PADDING + 1) + '"'), "too_large"),
    "depth 5000": (b"[" * 5000 + b"]" * 5000, "not_json"),
    "depth 5000 in data": (_event("[" * 5000 + "]" * 5000), "not_json"),
    "100 000-element array": (b"[" + b",".join([b"0"] * 100_000) + b"]", "not_cloudevent"),
    "100 000-element array in data": (_event("[" + ",".join(["0"] * 100_000) + "]"), "admitted"),
    "NaN": (_event("NaN"), "not_json"),
    "Infinity": (_event("Infinity"), "not_json"),
    "-Infinity": (_event("-Infinity"), "not_json"),
    "lone surrogate escaped": (_event('"\\ud800"'), "invalid_unicode"),
    "lone surrogate as UTF-8 bytes": (_event('""')[:-3] + b'"\xed\xa0\x80"}', "not_utf8"),
    "overlong UTF-8": (b'{"a":"\xc0\xaf"}', "not_utf8"),
    "BOM": (b"\xef\xbb\xbf" + _event("{}"), None),
    "duplicate keys": (_event('{"a":1,"a":2}').replace(b'"id":', b'"id":"x","id":'), None),
    "empty": (b"", "not_json"),
    "null": (b"null", "not_cloudevent"),
    "array": (b"[]", "not_cloudevent"),
    "no specversion": (b'{"id":"a","source":"/portal","type":"t"}', "not_cloudevent"),
    "4000-digit number": (_event("1" * 4000), "admitted"),
    "5000-digit number": (_event("1" * 5000), None),
    "1e400": (_event("1e400"), "admitted"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_admit_answers_hostile_bodies_and_intake_answers_what_it_admits(name: str) -> None:
    body, expected = HOSTILE[name]
    answer = check_admission(body)
    if expected == "admitted":
        assert isinstance(answer, Admitted)
    elif expected is not None:
        assert isinstance(answer, Refused)
        assert answer.reason == expected
    if isinstance(answer, Admitted):
        check_intake(answer.envelope)


# --- 2. intake: any data, any envelope ----------------------------------------------------


def _data_values() -> st.SearchStrategy[Tree]:
    samples = [SUBMISSIONS[name]["data"] for name in sorted(SUBMISSIONS)]
    return JSON | st.sampled_from(samples).flatmap(mutations)


@settings(BASE, max_examples=300)
@given(envelopes(SUBMISSIONS[DEPOSITED[0]], _data_values()))
def test_intake_answers_any_data_and_envelope_with_well_formed_errors(envelope: Any) -> None:
    check_intake_outside_known_bugs(envelope)


# --- 3. intake: mutations of valid samples ------------------------------------------------


@settings(BASE, max_examples=300)
@given(st.sampled_from(DEPOSITED).flatmap(lambda n: mutations(SUBMISSIONS[n])))
def test_mutated_samples_are_answered_and_what_is_accepted_is_nfc_single_line(body: Any) -> None:
    check_intake_outside_known_bugs(body)


@st.composite
def unknown_keys_added(draw: st.DrawFn, values: st.SearchStrategy[Tree] = JSON) -> tuple[str, Tree]:
    name = draw(st.sampled_from(DEPOSITED))
    body = SUBMISSIONS[name]
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(dict_paths(body)))
        extra = draw(st.dictionaries(UNKNOWN_KEYS, values, min_size=1, max_size=3))
        body = with_keys(body, where, extra)
    return name, body


def check_still_accepted(name: str, body: Tree) -> None:
    before, after = BASELINE[name], check_intake(body)
    assert isinstance(before, Acceptance)
    assert isinstance(after, Acceptance), after
    assert after.findings == before.findings
    assert after.event.data == before.event.data
    assert (after.departement, after.filing_date, after.deadline) == (
        before.departement,
        before.filing_date,
        before.deadline,
    )


@settings(BASE, max_examples=200)
@given(unknown_keys_added())
def test_unknown_keys_keep_a_valid_sample_accepted_with_the_same_findings(
    case: tuple[str, Tree],
) -> None:
    check_still_accepted(*case)


# --- 4. text injected into names ----------------------------------------------------------

NAMES: dict[Path_, int] = {
    ("data", "employer", "name"): 200,
    ("data", "employee", "last_name"): 100,
}


@settings(BASE, max_examples=300)
@given(
    st.sampled_from(sorted(NAMES)),
    st.text(max_size=220) | st.sampled_from(TRICKY_TEXT) | st.just("e\u0301" * 150),
)
@example(("data", "employer", "name"), "<script>alert('x')</script>")
@example(("data", "employee", "last_name"), "Ngu\u0303ye\u0302\u0303n")
def test_names_are_accepted_as_nfc_text_unchanged_otherwise(path: Path_, value: str) -> None:
    result = check_intake(replaced(SUBMISSIONS[DEPOSITED[0]], path, value))
    normal = unicodedata.normalize("NFC", value)
    valid = 1 <= len(normal) <= NAMES[path] and not CONTROL.intersection(normal)
    if isinstance(result, Acceptance):
        assert at(result.event.model_dump(), path) == normal
    else:
        assert [e.pointer for e in result.errors] == ["/" + "/".join(map(str, path))]
    assert isinstance(result, Acceptance) == valid


# --- 5. decisions: agents' and portal follow-up messages ----------------------------------


def _decision_templates() -> list[dict[str, Any]]:
    templates = [_load(p) for p in sorted((SAMPLES / "decisions").glob("*.json"))]
    transfer = copy.deepcopy(templates[0])
    transfer["type"] = TRANSFERRED
    transfer["data"] = {
        "agent_id": "nanterre-agent-0142",
        "to_platform": "pf-tulle",
        "reason": "Compétence particulière.",
    }
    for template in [*templates, transfer]:
        template["source"] = f"/platforms/{PLATFORM}"
        template["data"].update({"dossier_number": NUMBER, "platform": PLATFORM})
    for outcome in ("granted", "documents_requested"):  # the defaults of §3.1
        bare = copy.deepcopy(next(t for t in templates if t["data"]["outcome"] == outcome))
        for field in ("valid_from", "valid_until", "respond_by"):
            bare["data"].pop(field, None)
        templates.append(bare)
    return [*templates, transfer]


def _portal_templates() -> list[dict[str, Any]]:
    head = {k: v for k, v in SUBMISSIONS[DEPOSITED[0]].items() if k not in ("type", "data")}
    documents = SUBMISSIONS[DEPOSITED[0]]["data"]["documents"][:2]
    return [
        {
            **head,
            "type": DOCUMENTS_SUPPLIED,
            "data": {"dossier_number": NUMBER, "documents": documents},
        },
        {
            **head,
            "type": WITHDRAWN,
            "data": {"dossier_number": NUMBER, "reason": "Poste pourvu.\n"},
        },
        {**head, "type": WITHDRAWN, "data": {"dossier_number": NUMBER}},
    ]


AGENT_TEMPLATES = _decision_templates()
PORTAL_TEMPLATES = _portal_templates()
DossierLookup = Callable[[str], DossierView | None]


def lookup(state: str | None, platform: str | None, end: date | None) -> DossierLookup:
    """Finds no dossier (``state`` None), or one in ``state`` under any number asked."""

    def find(number: str) -> DossierView | None:
        if state is None:
            return None
        return DossierView(
            number=number,
            state=state,
            platform=None if state == "deposited" else platform,
            category="employee",
            contract_type="CDI" if end is None else "CDD",
            contract_start=date(2027, 2, 1),
            contract_end=end,
        )

    return find


# Mostly a dossier of the signing platform that may take the message, so that the
# checks past the dossier's state are reached too.
LOOKUPS = st.builds(
    lookup,
    st.sampled_from([None, *STATES, *["routed", "awaiting_documents"] * 4]),
    st.sampled_from([PLATFORM, PLATFORM, PLATFORM, "pf-tulle"]),
    st.sampled_from([None, None, date(2027, 12, 31), date(2027, 1, 1)]),
)


def _messages(templates: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    mutated = st.sampled_from(templates).flatmap(mutations)
    arbitrary = st.sampled_from(templates).flatmap(lambda t: envelopes(t, JSON))
    return st.sampled_from(templates) | mutated | arbitrary


def check_agent_answer(answer: AgentRefusal | AgentDecision) -> None:
    if isinstance(answer, AgentRefusal):
        check_errors(answer.errors)
        assert len({error.code for error in answer.errors}) == 1
        event(f"AgentRefusal: {answer.code}")
    else:
        assert isinstance(answer, AgentDecision)
        event(f"AgentDecision: {answer.kind} to {answer.target_state}")
        assert answer.platform == PLATFORM  # the signing key's platform
        assert answer.from_state in STATES
        assert answer.target_state in STATES
        if answer.valid_from is not None and answer.valid_until is not None:
            assert answer.valid_from <= answer.valid_until


def check_portal_answer(answer: PortalRefusal | PortalChange) -> None:
    if isinstance(answer, PortalRefusal):
        check_errors(answer.errors)
        assert len({error.code for error in answer.errors}) == 1
        event(f"PortalRefusal: {answer.errors[0].code}")
    else:
        assert isinstance(answer, PortalChange)
        event(f"PortalChange: {answer.kind}")
        assert answer.from_state in STATES
        assert answer.target_state in STATES


@settings(BASE, max_examples=300)
@given(_messages(AGENT_TEMPLATES), LOOKUPS)
def test_agent_messages_are_answered_with_a_refusal_or_a_decision(
    envelope: Any, find: DossierLookup
) -> None:
    check_agent_answer(check_agent_message(envelope, VERDICT, find))


@settings(BASE, max_examples=300)
@given(_messages(PORTAL_TEMPLATES), LOOKUPS)
def test_portal_follow_ups_are_answered_with_a_refusal_or_a_change(
    envelope: Any, find: DossierLookup
) -> None:
    check_portal_answer(check_portal_change(envelope, find, RECEIVED))


# --- known bugs: each value class the generic strategies leave out ------------------------

DATE_FIELDS = frozenset(
    {"birth_date", "expires_on", "start_date", "end_date", "published_on", "claim_filed_on"}
) | {"valid_from", "valid_until", "respond_by"}
INSTANT_FIELDS = frozenset({"filed_at", "time"})


def _date_paths(templates: list[dict[str, Any]]) -> list[tuple[int, Path_]]:
    return [
        (i, path)
        for i, template in enumerate(templates)
        for path in paths(template)
        if path and path[-1] in DATE_FIELDS | INSTANT_FIELDS
    ]


@st.composite
def extreme_dates(draw: st.DrawFn, templates: list[dict[str, Any]]) -> Tree:
    """A template with one date or instant moved anywhere in date.min … date.max."""
    index, path = draw(st.sampled_from(_date_paths(templates)))
    value = draw(EXTREME_INSTANTS if path[-1] in INSTANT_FIELDS else EXTREME_DATES)
    return replaced(templates[index], path, value)


SUBMISSION_TEMPLATES = [SUBMISSIONS[name] for name in DEPOSITED]
OPEN_DOSSIER = lookup("awaiting_documents", PLATFORM, None)  # every kind of message allowed


@settings(KNOWN_BUG)
@given(extreme_dates(SUBMISSION_TEMPLATES))
@example(replaced(SUBMISSION_TEMPLATES[0], ("data", "filed_at"), "9999-12-31T23:59:59-01:00"))
@example(replaced(SUBMISSION_TEMPLATES[0], ("data", "job", "contract", "start_date"), "9999-12-31"))
def test_dates_and_instants_at_the_ends_of_the_calendar_are_answered_by_intake(body: Any) -> None:
    check_intake(body)


@settings(KNOWN_BUG)
@given(extreme_dates(AGENT_TEMPLATES + PORTAL_TEMPLATES), st.just(OPEN_DOSSIER))
@example(
    replaced(PORTAL_TEMPLATES[0], ("time",), "0001-01-01T00:00:00+01:00"),
    OPEN_DOSSIER,
)
def test_dates_and_instants_at_the_ends_of_the_calendar_are_answered_by_decisions(
    envelope: Any, find: DossierLookup
) -> None:
    if envelope["type"] in (DECIDED, TRANSFERRED):
        check_agent_answer(check_agent_message(envelope, VERDICT, find))
    else:
        check_portal_answer(check_portal_change(envelope, find, RECEIVED))


INFINITIES = st.sampled_from([float("inf"), float("-inf")])


@settings(KNOWN_BUG)
@given(
    st.sampled_from(range(len(SUBMISSION_TEMPLATES + AGENT_TEMPLATES + PORTAL_TEMPLATES))),
    st.data(),
)
@example(0, None)
def test_a_non_finite_number_under_any_key_is_answered_never_a_crash(
    index: int, data: st.DataObject | None
) -> None:
    template = (SUBMISSION_TEMPLATES + AGENT_TEMPLATES + PORTAL_TEMPLATES)[index]
    if data is None:  # the minimal example: {"data": {"²": 1e400}}
        where: Path_ = ("data",)
        key, value = "²", float("inf")
    else:
        where = data.draw(st.sampled_from(dict_paths(template)))
        key = data.draw(st.text(max_size=4) | st.sampled_from(["²", "①", "1²", "٣"]))
        value = data.draw(INFINITIES)
    body = with_keys(template, where, {key: value})
    find = lookup("routed", PLATFORM, None)
    if template["type"] in (DECIDED, TRANSFERRED):
        answer = check_agent_message(body, VERDICT, find)
        if isinstance(answer, AgentRefusal):
            check_errors(answer.errors)
    elif template["type"] == SUBMITTED:
        check_intake(body)
    else:
        answer_ = check_portal_change(body, find, RECEIVED)
        if isinstance(answer_, PortalRefusal):
            check_errors(answer_.errors)


@settings(KNOWN_BUG)
@given(unknown_keys_added(JSON | INFINITIES))
@example((DEPOSITED[0], with_keys(SUBMISSIONS[DEPOSITED[0]], ("data",), {"x": float("inf")})))
def test_unknown_keys_holding_huge_numbers_keep_a_valid_sample_accepted(
    case: tuple[str, Tree],
) -> None:
    check_still_accepted(*case)


SURROGATES = st.sampled_from(["\ud800", "\udfff", "a\udc00b"])


@settings(KNOWN_BUG)
@given(unknown_keys_added(JSON | SURROGATES))
@example((DEPOSITED[0], with_keys(SUBMISSIONS[DEPOSITED[0]], ("data",), {"x": "\ud800"})))
def test_a_lone_surrogate_anywhere_is_refused_at_admission_as_not_unicode(
    case: tuple[str, Tree],
) -> None:
    _, tree = case
    body = json.dumps(tree).encode()
    answer = admit(body)
    if any(_has_surrogate(value) for value in _strings(tree)):
        assert isinstance(answer, Refused) and answer.reason == "invalid_unicode"
    else:
        assert isinstance(answer, Admitted)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _deepest_admitted(make: Callable[[int], bytes]) -> int:
    low, high = 1, sys.getrecursionlimit()
    while low < high:
        middle = (low + high + 1) // 2
        if isinstance(admit(make(middle)), Admitted):
            low = middle
        else:
            high = middle - 1
    return low


@settings(KNOWN_BUG, max_examples=20)
@given(st.integers(0, 20), st.sampled_from(["submission", "agent", "portal"]))
@example(0, "submission")
def test_any_nesting_that_admit_admits_is_answered_by_the_checks(gap: int, kind: str) -> None:
    template = {
        "submission": SUBMISSION_TEMPLATES[0],
        "agent": AGENT_TEMPLATES[0],
        "portal": PORTAL_TEMPLATES[0],
    }[kind]
    head = json.dumps({k: v for k, v in template.items() if k != "data"})[:-1]

    def make(depth: int) -> bytes:
        return f'{head}, "data": {{"x": {"[" * depth}{"]" * depth}}}}}'.encode()

    answer = admit(make(_deepest_admitted(make) - gap))
    assert isinstance(answer, Admitted)
    find = lookup("routed", PLATFORM, None)
    if kind == "submission":
        check_intake(answer.envelope)
    elif kind == "agent":
        check_agent_answer(check_agent_message(answer.envelope, VERDICT, find))
    else:
        check_portal_answer(check_portal_change(answer.envelope, find, RECEIVED))


@settings(KNOWN_BUG)
@given(
    st.sampled_from(sorted(SUBMISSIONS)),
    st.sampled_from(["category", "procedure"]),
    st.lists(JSON, max_size=2) | st.dictionaries(KEYS, JSON, max_size=2),
)
@example(DEPOSITED[0], "category", [])
def test_a_list_or_object_as_category_or_procedure_is_a_schema_error(
    name: str, field: str, value: Tree
) -> None:
    result = check_intake(replaced(SUBMISSIONS[name], ("data", field), value))
    assert isinstance(result, Rejection)
    assert f"/data/{field}" in {error.pointer for error in result.errors}
