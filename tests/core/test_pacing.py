"""A bulk action holding back while the workers are behind (cli/pacing.py), without a
server: the queue's size comes from a script, time from short real sleeps."""

import asyncio

import pytest
from onboard.core.cli.pacing import Pacer
from temporalio.service import RPCError, RPCStatusCode

EVERY = 0.01


class Queue:
    """Answers each look with the next size of a script (the last one from then on)."""

    def __init__(self, *sizes: int) -> None:
        self.sizes = list(sizes)
        self.looks = 0

    async def look(self) -> int:
        self.looks += 1
        return self.sizes.pop(0) if len(self.sizes) > 1 else self.sizes[0]


def pacer(
    queue: Queue, limit: int = 10, patience: float = 5.0, every: float = EVERY
) -> tuple[Pacer, list[str]]:
    said: list[str] = []
    return Pacer(queue.look, limit, patience, said.append, every=every), said


async def test_below_the_limit_nothing_waits_and_one_look_serves_many():
    queue = Queue(9)
    paced, said = pacer(queue, every=60)
    await asyncio.gather(*(paced.wait() for _ in range(50)))
    assert queue.looks == 1 and said == []


async def test_holds_back_until_the_queue_is_below_the_limit_and_says_so_once():
    queue = Queue(12, 11, 10, 10, 3)
    paced, said = pacer(queue)
    await asyncio.gather(*(paced.wait() for _ in range(5)))
    assert queue.looks >= 5  # a tick apart, shared by the five waiting
    assert said == ["12 tasks wait for the workers: holding back until fewer than 10"]
    assert paced.held_for >= 4 * EVERY
    await paced.wait()  # full again later: held back again, not said again
    assert said == said[:1]


async def test_a_queue_that_does_not_shrink_is_given_up_on_after_patience():
    queue = Queue(50)  # no worker takes anything
    paced, said = pacer(queue, patience=0.05)
    await asyncio.wait_for(asyncio.gather(*(paced.wait() for _ in range(3))), timeout=5)
    assert said == [
        "50 tasks wait for the workers: holding back until fewer than 10",
        "the workers' queue has not shrunk in 0.05 s: sending anyway",
    ]
    looks = queue.looks
    await paced.wait()  # still stalled: no more waiting
    assert queue.looks <= looks + 1 and len(said) == 2


async def test_a_queue_that_shrinks_slowly_is_waited_for_past_patience():
    queue = Queue(*range(40, 8, -1))  # one fewer at every look: the workers are at it
    paced, said = pacer(queue, patience=0.05)
    await paced.wait()
    assert queue.looks == 32 and len(said) == 1 and paced.held_for > 0.05


async def test_a_server_that_cannot_tell_is_not_paced_and_that_is_said_once():
    async def refused() -> int:
        raise RPCError("describe refused", RPCStatusCode.PERMISSION_DENIED, b"")

    said: list[str] = []
    paced = Pacer(refused, 10, 5.0, said.append, every=EVERY)
    await asyncio.gather(*(paced.wait() for _ in range(4)))
    assert said == ["cannot tell how many tasks wait for the workers (describe refused); not holding back"]


async def test_a_look_that_fails_in_passing_lets_updates_go_until_the_next_look():
    script = [RPCStatusCode.CANCELLED, 50, 50, 3, RPCStatusCode.DEADLINE_EXCEEDED, 50, 3]
    sizes = iter(script)

    async def look() -> int:
        size = next(sizes)
        if isinstance(size, RPCStatusCode):
            raise RPCError("operation was canceled", size, b"")
        return size

    said: list[str] = []
    paced = Pacer(look, 10, 5.0, said.append, every=EVERY)
    for _ in range(3):  # failed, then full twice (held back each time), failed, full
        await asyncio.sleep(EVERY)
        await paced.wait()
    await asyncio.sleep(EVERY)
    await paced.wait()
    assert list(sizes) == []  # pacing went on after each failure: every look was made
    assert paced.held_for >= 3 * EVERY
    assert said == [
        "could not tell how many tasks wait for the workers (operation was canceled); "
        "not holding back until the next look, in 0.01 s",
        "50 tasks wait for the workers: holding back until fewer than 10",
    ]


@pytest.mark.parametrize("limit", [0, -1])
async def test_no_limit_never_looks(limit: int):
    queue = Queue(10_000)
    paced, _ = pacer(queue, limit=limit)
    await paced.wait()
    assert queue.looks == 0
