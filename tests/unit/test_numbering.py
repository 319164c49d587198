"""Dossier numbers: AT + year + sequence + Luhn digit (CONTRACTS.md §2.4)."""

from __future__ import annotations

import random

import pytest
from stdnum import luhn

from workers.law.numbering import (
    DOSSIER_NUMBER_RE,
    format_dossier_number,
    is_valid_dossier_number,
    luhn_digit,
)


def test_the_contracts_example_number() -> None:
    assert luhn_digit("260000042") == "2"
    assert format_dossier_number(2026, 42) == "AT26-0000042-2"
    assert is_valid_dossier_number("AT26-0000042-2")


@pytest.mark.parametrize(
    ("digits", "check"), [("7992739871", "3"), ("0", "0"), ("1", "8"), ("000000000", "0")]
)
def test_luhn_digit_known_values(digits: str, check: str) -> None:
    assert luhn_digit(digits) == check


def test_luhn_digit_agrees_with_python_stdnum() -> None:
    rng = random.Random(20261120)
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
        assert luhn_digit(digits) == luhn.calc_check_digit(digits)


@pytest.mark.parametrize("digits", ["", "12a4", "١٢٣", " 123", "12.3"])
def test_luhn_digit_refuses_anything_but_ascii_digits(digits: str) -> None:
    with pytest.raises(ValueError):
        luhn_digit(digits)


@pytest.mark.parametrize(
    ("year", "sequence", "expected"),
    [
        (2026, 1, "AT26-0000001-"),
        (2027, 9_999_999, "AT27-9999999-"),
        (2030, 0, "AT30-0000000-"),
        (2100, 5, "AT00-0000005-"),
    ],
)
def test_format_dossier_number_pads_and_appends_a_valid_check_digit(
    year: int, sequence: int, expected: str
) -> None:
    number = format_dossier_number(year, sequence)
    assert number.startswith(expected)
    assert len(number) == 14
    assert luhn.is_valid(number[2:4] + number[5:12] + number[13])
    assert is_valid_dossier_number(number)


@pytest.mark.parametrize("sequence", [-1, 10_000_000])
def test_format_dossier_number_refuses_a_sequence_out_of_range(sequence: int) -> None:
    with pytest.raises(ValueError):
        format_dossier_number(2026, sequence)


@pytest.mark.parametrize(
    "text",
    [
        "AT26-0000042-3",  # wrong check digit
        "AT26-0000024-2",  # transposed digits
        "at26-0000042-2",
        "AT26-000042-2",
        "AT26-00000420-2",
        "AT26 0000042 2",
        "AT26-0000042-2 ",
        "AT26-0000042-2\n",
        "XAT26-0000042-2",
        "AT2६-0000042-2",  # a non-ASCII digit
        "",
    ],
)
def test_is_valid_dossier_number_refuses_malformed_or_wrong_numbers(text: str) -> None:
    assert not is_valid_dossier_number(text)


def test_every_single_digit_error_is_caught() -> None:
    number = format_dossier_number(2026, 42)
    for position in (2, 3, 5, 6, 7, 8, 9, 10, 11, 13):
        for digit in "0123456789":
            if digit != number[position]:
                altered = number[:position] + digit + number[position + 1 :]
                assert not is_valid_dossier_number(altered)


def test_the_regex_constant_matches_the_shape_only() -> None:
    assert DOSSIER_NUMBER_RE.fullmatch("AT26-0000042-9")
    assert not DOSSIER_NUMBER_RE.fullmatch("AT26-0000042")
