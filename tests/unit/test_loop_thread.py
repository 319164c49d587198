"""The private event loop that synchronous actors drive asyncio clients on."""

from __future__ import annotations

import asyncio
import threading

import pytest

from workers.core.aio import LoopThread


async def loop_and_thread() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    return asyncio.get_running_loop(), threading.current_thread()


async def fail() -> None:
    raise ValueError("from the loop")


def test_coroutines_share_one_loop_on_its_own_thread_and_raise_here() -> None:
    runner = LoopThread()
    try:
        first, second = runner.run(loop_and_thread()), runner.run(loop_and_thread())
        assert first == second and first[1] is not threading.current_thread()
        with pytest.raises(ValueError, match="from the loop"):
            runner.run(fail())
    finally:
        runner.stop()


def test_stop_ends_the_thread_and_closes_the_loop_and_a_later_run_gets_a_new_one() -> None:
    runner = LoopThread()
    try:
        loop, thread = runner.run(loop_and_thread())
        runner.stop()
        assert not thread.is_alive() and loop.is_closed()
        again, _ = runner.run(loop_and_thread())
        assert again is not loop and not again.is_closed()
        runner.stop()
    finally:
        runner.stop()  # twice is harmless
