"""The decisions stage's checks (CONTRACTS.md §3.1–3.4, §2.2–2.4, §4): table-driven."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from messages.agents import DECIDED, SIGNATURE_HEADER, SIGNATURE_KEY_HEADER, TRANSFERRED
from messages.portal import DOCUMENTS_SUPPLIED, WITHDRAWN
from workers.decisions.rules import (
    AgentDecision,
    AgentRefusal,
    DossierView,
    PortalChange,
    PortalRefusal,
    check_agent_message,
    check_portal_change,
)
from workers.decisions.transitions import FINAL_STATES, STATES, check_transition
from workers.signatures.verify import KeyRecord, SignatureVerdict, message_time, sign, verify

SAMPLES = Path(__file__).resolve().parents[2] / "messages" / "samples" / "decisions"
NUMBER = "AT26-0000042-2"
TIME = "2026-12-14T09:32:11+01:00"
RECEIVED = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
OK = SignatureVerdict(None, "tulle-1", "pf-tulle")
OK_ = "allowed"
FINAL = ("dossier_final",) * 4
# §3.4, restated here so that the test checks the data rather than copies it:
# decided, transferred, documents_supplied, withdrawn.
CONTRACT_TABLE: dict[str, tuple[str, str, str, str]] = {
    "deposited": ("platform_mismatch", "platform_mismatch", "transition_not_allowed", OK_),
    "routed": (OK_, OK_, "transition_not_allowed", OK_),
    "awaiting_documents": (OK_, OK_, OK_, OK_),
    **{state: FINAL for state in sorted(FINAL_STATES)},
}
KINDS = ("decided", "transferred", "documents_supplied", "withdrawn")
AGENT_KINDS = ("decided", "transferred")
CELLS = [(s, k, row[i]) for s, row in CONTRACT_TABLE.items() for i, k in enumerate(KINDS)]
OUTCOMES = ("granted", "refused", "documents_requested", "closed")


def dossier(state: str = "routed", **kw: Any) -> DossierView:
    values: dict[str, Any] = {
        "number": NUMBER,
        "state": state,
        "platform": None if state == "deposited" else "pf-tulle",
        "category": "employee",
        "contract_type": "CDI",
        "contract_start": date(2027, 2, 15),
        "contract_end": None,
    }
    return DossierView(**{**values, **kw})


def lookup(*dossiers: DossierView) -> Callable[[str], DossierView | None]:
    return {d.number: d for d in dossiers}.get


def envelope(kind: str, data: dict[str, Any], time: str = TIME) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "51e3ed67-a28b-55ee-bac8-838459798825",
        "source": "/platforms/pf-tulle",
        "type": kind,
        "time": time,
        "data": {"dossier_number": NUMBER, **data},
    }


def decided(outcome: str = "granted", time: str = TIME, **data: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "refused": {"reasons": [{"code": "salary", "text": "Salaire insuffisant."}]},
        "closed": {"reasons": [{"code": "duplicate", "text": "Doublon."}]},
        "documents_requested": {"requested_documents": [{"kind": "passport"}]},
    }.get(outcome, {})
    base = {"platform": "pf-tulle", "agent_id": "tulle-agent-1", "outcome": outcome, **extra}
    return envelope(DECIDED, {**base, **data}, time)


def transferred(**data: Any) -> dict[str, Any]:
    base = {"platform": "pf-tulle", "agent_id": "a1", "to_platform": "pf-cayenne", "reason": "x"}
    return envelope(TRANSFERRED, {**base, **data})


DOCUMENT: dict[str, Any] = {"kind": "passport", "filename": "p.pdf", "media_type": "text/plain"}
DOCUMENT |= {"size_bytes": 10, "sha256": "0" * 64}


def supplied(time: str = TIME) -> dict[str, Any]:
    return envelope(DOCUMENTS_SUPPLIED, {"documents": [DOCUMENT]}, time) | {"source": "/portal"}


def withdrawn() -> dict[str, Any]:
    return envelope(WITHDRAWN, {"reason": "Poste pourvu."}) | {"source": "/portal"}


def without(message: dict[str, Any], field: str) -> dict[str, Any]:
    del message["data"][field]
    return message


def codes(result: AgentRefusal | PortalRefusal) -> list[tuple[str, str | None]]:
    return [(e.code, e.pointer) for e in result.errors]


# --- §3.4's table, every cell --------------------------------------------------------------


@pytest.mark.parametrize(("state", "kind", "cell"), CELLS)
def test_the_transition_table_is_the_contracts(state: str, kind: str, cell: str) -> None:
    assert check_transition(state, kind) == (None if cell == OK_ else cell)


def test_the_table_covers_every_state() -> None:
    assert set(CONTRACT_TABLE) == set(STATES)


def _agent_messages(kind: str) -> list[dict[str, Any]]:
    return [decided(o) for o in OUTCOMES] if kind == "decided" else [transferred()]


@pytest.mark.parametrize(("state", "kind", "cell"), [c for c in CELLS if c[1] in AGENT_KINDS])
def test_agents_messages_follow_the_table(state: str, kind: str, cell: str) -> None:
    for message in _agent_messages(kind):  # decided: any outcome
        result = check_agent_message(message, OK, lookup(dossier(state)))
        if cell == OK_:
            assert isinstance(result, AgentDecision) and result.from_state == state
        else:
            assert isinstance(result, AgentRefusal) and result.code == cell


@pytest.mark.parametrize(("state", "kind", "cell"), [c for c in CELLS if c[1] not in AGENT_KINDS])
def test_portal_messages_follow_the_table(state: str, kind: str, cell: str) -> None:
    message = supplied() if kind == "documents_supplied" else withdrawn()
    result = check_portal_change(message, lookup(dossier(state)), RECEIVED)
    if cell == OK_:
        assert isinstance(result, PortalChange) and result.from_state == state
        assert result.target_state == ("routed" if kind == "documents_supplied" else "withdrawn")
    else:
        assert isinstance(result, PortalRefusal)
        assert codes(result) == [(cell, "/data/dossier_number")]


@pytest.mark.parametrize(
    ("outcome", "target"),
    [
        ("granted", "granted"),
        ("refused", "refused"),
        ("closed", "closed"),
        ("documents_requested", "awaiting_documents"),
    ],
)
@pytest.mark.parametrize("state", ["routed", "awaiting_documents"])
def test_a_decision_leads_to_its_outcomes_state(state: str, outcome: str, target: str) -> None:
    result = check_agent_message(decided(outcome), OK, lookup(dossier(state)))
    assert isinstance(result, AgentDecision) and result.target_state == target


@pytest.mark.parametrize("state", ["routed", "awaiting_documents"])
def test_a_transfer_changes_the_platform_not_the_state(state: str) -> None:
    result = check_agent_message(transferred(), OK, lookup(dossier(state)))
    assert isinstance(result, AgentDecision)
    assert (result.target_state, result.to_platform, result.platform) == (
        state,
        "pf-cayenne",
        "pf-tulle",
    )


# --- the refusal order ---------------------------------------------------------------------

KEY, OTHER = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
REGISTRY = {
    "tulle-1": KeyRecord("tulle-1", "pf-tulle", KEY.public_key()),
    "cayenne-1": KeyRecord("cayenne-1", "pf-cayenne", OTHER.public_key()),
    "old": KeyRecord("old", "pf-tulle", KEY.public_key(), datetime(2020, 1, 1, tzinfo=UTC)),
}
AGENT_ORDER = [
    "unknown_type",
    "schema",
    "signature_missing",
    "key_unknown",
    "key_revoked",
    "signature_invalid",
    "key_platform_mismatch",
    "dossier_unknown",
    "dossier_final",
    "platform_mismatch",
]
TIME_ = message_time({"time": TIME})
# transition_not_allowed never reaches an agent through §3.4's table: a dossier not yet
# routed answers platform_mismatch first, and the open states allow both kinds.


def _breaking(broken: set[str]) -> tuple[dict[str, Any], SignatureVerdict, DossierView]:
    """A decision breaking every rule of ``broken``, signed as that set says, and its dossier."""
    message = decided()
    if "unknown_type" in broken:
        message["type"] = DECIDED + ".v2"
    if "schema" in broken:
        del message["data"]["agent_id"]
    body = json.dumps(message).encode()
    key_id = "cayenne-1" if "key_platform_mismatch" in broken else "tulle-1"
    key_id = "old" if "key_revoked" in broken else key_id
    key = OTHER if key_id == "cayenne-1" else KEY
    headers = {
        SIGNATURE_KEY_HEADER: "nope" if "key_unknown" in broken else key_id,
        SIGNATURE_HEADER: sign(body + b" " if "signature_invalid" in broken else body, key),
    }
    verdict = verify(body, None if "signature_missing" in broken else headers, TIME_, REGISTRY)
    state = "granted" if "dossier_final" in broken else "routed"
    platform = "pf-bobigny" if "platform_mismatch" in broken else "pf-tulle"
    number = "AT26-0000001-0" if "dossier_unknown" in broken else NUMBER
    return message, verdict, dossier(state, platform=platform, number=number)


@pytest.mark.parametrize("first", range(len(AGENT_ORDER)), ids=AGENT_ORDER)
def test_an_agents_message_breaking_several_rules_gets_the_first(first: int) -> None:
    message, verdict, found = _breaking(set(AGENT_ORDER[first:]))
    result = check_agent_message(message, verdict, lookup(found))
    assert isinstance(result, AgentRefusal)
    assert result.code == AGENT_ORDER[first]


def test_a_message_breaking_nothing_is_accepted() -> None:
    message, verdict, found = _breaking(set())
    assert isinstance(check_agent_message(message, verdict, lookup(found)), AgentDecision)


@pytest.mark.parametrize(
    ("broken", "platform"),
    [
        ({"schema"}, "pf-tulle"),
        ({"unknown_type", "key_unknown"}, None),
        ({"schema", "signature_invalid"}, None),
        ({"key_platform_mismatch"}, "pf-cayenne"),  # the verified key's platform
        ({"dossier_unknown"}, "pf-tulle"),
    ],
)
def test_a_refusal_is_routed_to_the_platform_of_a_verified_key(
    broken: set[str], platform: str | None
) -> None:
    message, verdict, found = _breaking(broken)
    result = check_agent_message(message, verdict, lookup(found))
    assert isinstance(result, AgentRefusal)
    assert result.platform_for_routing == platform
    assert result.dossier_number == message["data"]["dossier_number"]


def test_a_deposited_dossier_is_a_platform_mismatch_even_for_its_future_platform() -> None:
    found = dossier("deposited", platform=None)
    result = check_agent_message(decided(), OK, lookup(found))
    assert isinstance(result, AgentRefusal)
    assert codes(result) == [("platform_mismatch", "/data/platform")]


@pytest.mark.parametrize("code", ["signature_missing", "key_unknown", "key_revoked"])
def test_signature_refusals_point_at_no_field(code: str) -> None:
    result = check_agent_message(decided(), SignatureVerdict(code), lookup(dossier()))
    assert isinstance(result, AgentRefusal) and codes(result) == [(code, None)]


@pytest.mark.parametrize("kind", [DOCUMENTS_SUPPLIED, "fr.gouv.other", 7, None])
def test_a_type_agents_do_not_send_is_unknown_type(kind: Any) -> None:
    result = check_agent_message(decided() | {"type": kind}, OK, lookup(dossier()))
    assert isinstance(result, AgentRefusal) and codes(result) == [("unknown_type", "/type")]
    assert "plateformes" in result.errors[0].message_fr


# --- schema: the contract rules only this stage can check -----------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (decided("refused", reasons=[]), ("/data/reasons", "required_for_outcome")),
        (without(decided("closed"), "reasons"), ("/data/reasons", "required_for_outcome")),
        (decided("closed", reasons=None), ("/data/reasons", "wrong_type")),
        (
            decided("documents_requested", requested_documents=[]),
            ("/data/requested_documents", "required_for_outcome"),
        ),
        (
            decided(valid_from="2027-03-01", valid_until="2027-02-28"),
            ("/data/valid_until", "before_valid_from"),
        ),
        (transferred(to_platform="pf-tulle"), ("/data/to_platform", "same_platform")),
        (decided("refused", reasons=[{"code": "x"}]), ("/data/reasons/0/text", "missing")),
        (decided(outcome="accepted"), ("/data/outcome", "literal")),
        (decided(valid_from="2027-02-30"), ("/data/valid_from", "format")),
    ],
)
def test_contract_rules_are_schema_errors_with_pointers(
    message: dict[str, Any], expected: tuple[str, str]
) -> None:
    result = check_agent_message(message, OK, lookup(dossier()))
    assert isinstance(result, AgentRefusal)
    assert [(e.code, e.pointer, e.detail) for e in result.errors] == [("schema", *expected)]


def test_every_schema_error_comes_at_once_in_pointer_order() -> None:
    message = decided("refused")
    del message["data"]["reasons"]
    del message["data"]["agent_id"]
    message["data"]["platform"] = "pf-paris"
    result = check_agent_message(message, SignatureVerdict("key_unknown"), lookup())
    assert isinstance(result, AgentRefusal)
    assert [e.pointer for e in result.errors] == [
        "/data/agent_id",
        "/data/platform",
        "/data/reasons",
    ]


@pytest.mark.parametrize("outcome", ["granted", "refused", "closed", "documents_requested"])
def test_fields_of_other_outcomes_are_tolerated(outcome: str) -> None:
    message = decided(outcome, valid_from="2027-05-01", valid_until="2027-04-01", respond_by=None)
    message["data"].setdefault("reasons", [])
    result = check_agent_message(message, OK, lookup(dossier()))
    assert isinstance(result, AgentRefusal if outcome == "granted" else AgentDecision)


@pytest.mark.parametrize("first", range(len(AGENT_ORDER)), ids=AGENT_ORDER)
def test_refusal_texts_are_bilingual_and_filled_in(first: int) -> None:
    message, verdict, found = _breaking(set(AGENT_ORDER[first:]))
    result = check_agent_message(message, verdict, lookup(found))
    assert isinstance(result, AgentRefusal)
    for error in result.errors:
        assert error.message_fr and error.message_en and error.message_fr != error.message_en
        assert "{" not in error.message_fr + error.message_en


# --- computed values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contract", "data", "expected"),
    [
        (("CDI", date(2027, 2, 15), None), {}, (date(2027, 2, 15), date(2028, 2, 14))),
        (("CDI", date(2028, 2, 29), None), {}, (date(2028, 2, 29), date(2029, 2, 27))),
        (("CDI", date(2027, 1, 1), None), {}, (date(2027, 1, 1), date(2027, 12, 31))),
        (
            ("CDD", date(2027, 1, 11), date(2027, 12, 31)),
            {},
            (date(2027, 1, 11), date(2027, 12, 31)),
        ),
        (
            ("seasonal", date(2027, 5, 3), date(2027, 9, 30)),
            {},
            (date(2027, 5, 3), date(2027, 9, 30)),
        ),
        (
            ("CDD", date(2027, 1, 11), date(2027, 12, 31)),
            {"valid_from": "2027-02-01", "valid_until": "2027-06-30"},
            (date(2027, 2, 1), date(2027, 6, 30)),
        ),
        (
            ("CDI", date(2027, 2, 15), None),
            {"valid_from": "2027-03-01"},  # the CDI's year still runs from its start
            (date(2027, 3, 1), date(2028, 2, 14)),
        ),
        (
            ("seasonal", date(2027, 5, 3), date(2027, 9, 30)),
            {"valid_until": "2027-08-31"},
            (date(2027, 5, 3), date(2027, 8, 31)),
        ),
        (
            ("CDD", date(2027, 1, 11), date(2027, 12, 31)),
            {"valid_from": "2027-12-31", "valid_until": "2027-12-31"},  # one day is fine
            (date(2027, 12, 31), date(2027, 12, 31)),
        ),
    ],
)
def test_granted_validity_defaults_to_the_contract(
    contract: tuple[str, date, date | None], data: dict[str, Any], expected: tuple[date, date]
) -> None:
    kind, start, end = contract
    found = dossier(contract_type=kind, contract_start=start, contract_end=end)
    result = check_agent_message(decided("granted", **data), OK, lookup(found))
    assert isinstance(result, AgentDecision)
    assert (result.valid_from, result.valid_until) == expected
    assert result.respond_by is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"valid_until": "2027-01-31"}, ("/data/valid_until", "before_valid_from")),
        ({"valid_from": "2028-01-01"}, ("/data/valid_from", "after_valid_until")),
    ],
)
def test_a_given_date_against_the_others_default_is_a_schema_error(
    data: dict[str, Any], expected: tuple[str, str]
) -> None:
    found = dossier(
        contract_type="CDD", contract_start=date(2027, 2, 1), contract_end=date(2027, 12, 31)
    )
    result = check_agent_message(decided("granted", **data), OK, lookup(found))
    assert isinstance(result, AgentRefusal)
    assert [(e.code, e.pointer, e.detail) for e in result.errors] == [("schema", *expected)]
    assert result.platform_for_routing == "pf-tulle"


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("2026-12-14T09:32:11+01:00", date(2027, 1, 13)),
        ("2027-01-31T10:00:00+01:00", date(2027, 3, 2)),  # across a month end, February
        ("2026-12-31T23:30:00-05:00", date(2027, 1, 31)),  # already 1 January in Paris
        ("2027-03-27T23:30:00Z", date(2027, 4, 27)),  # 00:30 CET on the day clocks go forward
        ("2027-03-28T22:30:00Z", date(2027, 4, 28)),  # 00:30 CEST the day after
        ("2026-10-24T22:30:00Z", date(2026, 11, 24)),  # 00:30 CEST before clocks go back
        ("2026-10-25T22:30:00Z", date(2026, 11, 24)),  # 23:30 CET: still 25 October
    ],
)
def test_respond_by_defaults_to_the_paris_date_plus_30_days(time: str, expected: date) -> None:
    result = check_agent_message(decided("documents_requested", time=time), OK, lookup(dossier()))
    assert isinstance(result, AgentDecision) and result.respond_by == expected
    assert result.valid_from is None and result.valid_until is None


def test_a_given_respond_by_is_kept() -> None:
    message = decided("documents_requested", respond_by="2027-02-01")
    result = check_agent_message(message, OK, lookup(dossier()))
    assert isinstance(result, AgentDecision) and result.respond_by == date(2027, 2, 1)


@pytest.mark.parametrize(
    ("time", "received", "expected"),
    [
        ("2027-01-31T12:00:00+01:00", datetime(2027, 1, 31, 12, tzinfo=UTC), date(2027, 3, 31)),
        ("2026-12-31T23:30:00Z", datetime(2027, 1, 1, tzinfo=UTC), date(2027, 3, 1)),
        ("2026-12-30T10:00:00Z", datetime(2026, 12, 30, 10, 1, tzinfo=UTC), date(2027, 2, 28)),
        # a portal clock ahead of ours: the deadline runs from receipt, never later
        ("2027-02-10T10:00:00Z", datetime(2027, 1, 31, 9, tzinfo=UTC), date(2027, 3, 31)),
    ],
)
def test_supplying_documents_restarts_the_silence_deadline(
    time: str, received: datetime, expected: date
) -> None:
    result = check_portal_change(supplied(time), lookup(dossier("awaiting_documents")), received)
    assert isinstance(result, PortalChange)
    assert (result.deadline, result.target_state, result.platform) == (
        expected,
        "routed",
        "pf-tulle",
    )


def test_a_withdrawal_has_no_deadline() -> None:
    result = check_portal_change(withdrawn(), lookup(dossier("deposited")), RECEIVED)
    assert isinstance(result, PortalChange)
    assert (result.deadline, result.target_state, result.platform) == (None, "withdrawn", None)


# --- portal refusals ------------------------------------------------------------------------


def test_the_portal_names_an_unknown_dossier_unknown_dossier() -> None:
    result = check_portal_change(withdrawn(), lookup(), RECEIVED)
    assert isinstance(result, PortalRefusal)
    assert codes(result) == [("unknown_dossier", "/data/dossier_number")]
    assert result.dossier_number == NUMBER


PORTAL_ORDER = [
    "unknown_type",
    "schema",
    "unknown_dossier",
    "dossier_final",
    "transition_not_allowed",
]


@pytest.mark.parametrize("first", range(len(PORTAL_ORDER)), ids=PORTAL_ORDER)
def test_a_portal_message_breaking_several_rules_gets_the_first(first: int) -> None:
    broken = set(PORTAL_ORDER[first:])
    message = supplied()
    if "unknown_type" in broken:
        message["type"] = "fr.gouv.etrangers.work_authorization.supplied"
    if "schema" in broken:
        message["data"]["documents"] = [{"kind": "selfie"}]
    state = "granted" if "dossier_final" in broken else "routed"
    found = [] if "unknown_dossier" in broken else [dossier(state)]
    result = check_portal_change(message, lookup(*found), RECEIVED)
    assert isinstance(result, PortalRefusal) and result.errors[0].code == PORTAL_ORDER[first]


def test_a_portal_schema_refusal_gives_every_error() -> None:
    message = supplied()
    message["data"]["documents"] = [{"kind": "selfie"}]
    result = check_portal_change(message, lookup(dossier("awaiting_documents")), RECEIVED)
    assert isinstance(result, PortalRefusal)
    assert {e.code for e in result.errors} == {"schema"} and len(result.errors) == 5


# --- the sample decisions -------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_sample_decisions_are_accepted_for_a_routed_dossier_of_their_platform(path: Path) -> None:
    body = path.read_text("utf-8").replace("<DOSSIER_NUMBER>", NUMBER).encode()
    message = json.loads(body)
    platform = message["data"]["platform"]
    registry = {"k": KeyRecord("k", platform, KEY.public_key())}
    headers = {SIGNATURE_KEY_HEADER: b"k", SIGNATURE_HEADER: sign(body, KEY).encode()}
    verdict = verify(body, headers, message_time(message), registry)
    found = dossier(platform=platform, contract_end=date(2027, 12, 31), contract_type="CDD")
    result = check_agent_message(message, verdict, lookup(found))
    assert isinstance(result, AgentDecision), result
    assert (
        result.target_state
        == {
            "granted": "granted",
            "refused": "refused",
            "documents_requested": "awaiting_documents",
        }[message["data"]["outcome"]]
    )
    if message["data"]["outcome"] == "documents_requested":
        assert result.respond_by == date(2027, 1, 8)  # given, and = the default here


def test_dossier_views_are_frozen() -> None:
    with pytest.raises(AttributeError):
        dossier().state = "granted"  # type: ignore[misc]
    assert replace(dossier(), state="granted").state == "granted"
