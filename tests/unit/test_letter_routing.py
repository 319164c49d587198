"""Which letter carries which document, to whom, and the details' dates across a command."""

from __future__ import annotations

from datetime import date

import pytest

from workers.core.details import decode, encode
from workers.law.letters import LETTER_FOR_DOCUMENT, recipients


@pytest.mark.parametrize(
    ("document", "reachable", "expected"),
    [
        ("authorization", True, ("employer", "beneficiary")),
        ("authorization", False, ("employer",)),
        ("refusal", True, ("employer", "beneficiary")),
        ("implicit_refusal", True, ("employer", "beneficiary")),
        ("documents_request", True, ("employer",)),
    ],
)
def test_both_parties_get_decisions_and_only_the_employer_gets_requests(
    document: str, reachable: bool, expected: tuple[str, ...]
) -> None:
    kind = LETTER_FOR_DOCUMENT[document]
    assert recipients(kind, beneficiary_reachable=reachable) == expected


def test_dates_survive_a_trip_through_a_command_and_other_values_stay_as_they_are() -> None:
    details = {"valid_from": date(2027, 2, 1), "deadline": None, "reasons": [{"code": "x"}]}
    assert encode(details) == {
        "valid_from": "2027-02-01",
        "deadline": None,
        "reasons": [{"code": "x"}],
    }
    assert decode(encode(details)) == details
    assert decode({"closed_by": "2027-02-01"}) == {"closed_by": "2027-02-01"}
