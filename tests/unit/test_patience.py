"""Waiting in place for a transient failure: bounded, and only for transient ones."""

from __future__ import annotations

import pytest

from workers.core.errors import PermanentError, TransientError
from workers.core.patience import patiently


class Flaky:
    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or TransientError("database: connection lost")
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "recorded"


def test_a_step_that_heals_within_the_pauses_succeeds_after_waiting_each() -> None:
    slept: list[float] = []
    step = Flaky(failures=3)
    assert patiently(step, pauses_s=(0.1, 0.2, 0.4, 0.8), sleep=slept.append) == "recorded"
    assert step.calls == 4
    assert slept == [0.1, 0.2, 0.4]


def test_a_step_that_does_not_heal_raises_its_last_failure_once_the_pauses_are_spent() -> None:
    slept: list[float] = []
    step = Flaky(failures=10)
    with pytest.raises(TransientError):
        patiently(step, pauses_s=(0.1, 0.2), sleep=slept.append)
    assert step.calls == 3
    assert slept == [0.1, 0.2]


def test_a_permanent_failure_is_not_waited_for() -> None:
    slept: list[float] = []
    step = Flaky(failures=1, error=PermanentError("no such dossier"))
    with pytest.raises(PermanentError):
        patiently(step, pauses_s=(0.1, 0.2), sleep=slept.append)
    assert step.calls == 1
    assert slept == []
