"""A bulk action holds back while the workers are behind.

Each approval sets work going on the engagement's task queue: its journal record, the
notices, the next phase's assessment, all activities.  ``onboard approve -`` sends
Updates faster than a worker runs what follows them; unchecked, the queue grows by
thousands, each engagement waits minutes for its next task, and by then the worker
has dropped it from its cache and must replay it first, which slows the worker down
further (benchmarks/README.md, "scale": 19.8 approvals a second recorded, 5.3 a
second with their work done).

So before each Update, :meth:`Pacer.wait` looks at how many tasks wait in the queue
(at most once a second, one look for all the Updates in flight), and while there are
``limit`` or more it waits.  It says so once on stderr.  It never waits for ever: a
queue that has not shrunk for ``patience`` seconds (no worker, or a stuck one) stops
holding anything back, and the Updates then report for themselves whether a worker
answers.  A server that cannot tell (an old one, or no right to describe the queue)
is not paced, and that is said once too.  A look that fails for a passing reason (a
busy server cancelling it, a timeout, a dropped connection) lets the Updates go until
the next look, once more a second later, and is said once.
"""

import asyncio
from collections.abc import Awaitable, Callable

from temporalio.service import RPCError, RPCStatusCode

#: Hold back while this many tasks wait: enough to keep a worker busy for a few
#: seconds, few enough that every engagement with work waiting stays in the cache of
#: a worker that caches the default 1,000 workflows.
MAX_QUEUED = 200
#: How often the queue is looked at while Updates are being sent, in seconds.
LOOK_EVERY = 1.0
#: Failures that say the server will never tell (so pacing stops for the command);
#: any other is taken as passing (seen in a 10,000-engagement run: "operation was
#: canceled" from a busy dev server, once).
NEVER_TELLS = frozenset(
    {
        RPCStatusCode.UNIMPLEMENTED,
        RPCStatusCode.PERMISSION_DENIED,
        RPCStatusCode.UNAUTHENTICATED,
        RPCStatusCode.INVALID_ARGUMENT,
        RPCStatusCode.NOT_FOUND,
    }
)


class Pacer:
    """Waits, before each Update of a bulk action, while ``look()`` says the queue is full.

    ``look`` returns how many tasks wait (:func:`onboard.core.cli.bulk.pacer` looks at
    the engagements' task queue); ``say`` prints one line for the user.  A ``limit``
    of 0 or less turns pacing off.
    """

    def __init__(
        self,
        look: Callable[[], Awaitable[int]],
        limit: int,
        patience: float,
        say: Callable[[str], None],
        every: float = LOOK_EVERY,
    ) -> None:
        self.limit, self.patience, self.every = limit, patience, every
        self._look, self._say = look, say
        self._lock = asyncio.Lock()
        self._queued: int | None = None
        self._looked_at = float("-inf")
        self._shrank_at: float | None = None  # while holding back: when the queue last shrank
        self._said_waiting = self._said_stalled = self._said_failed = False
        #: How long Updates were held back, in all (for the summary and the benchmark).
        self.held_for = 0.0

    async def wait(self) -> None:
        """Return once an Update may go."""
        if self.limit <= 0:
            return
        loop = asyncio.get_running_loop()
        async with self._lock:  # the Updates in flight share one look
            started = loop.time()
            try:
                while True:
                    queued = await self._queued_now(loop.time())
                    if queued is None or queued < self.limit:
                        self._shrank_at = None
                        return
                    if self._stalled(queued, loop.time()):
                        return
                    await asyncio.sleep(self.every)
            finally:
                self.held_for += loop.time() - started

    async def _queued_now(self, now: float) -> int | None:
        if now - self._looked_at < self.every:
            return self._queued
        before, self._looked_at = self._queued, now
        try:
            self._queued = await self._look()
        except RPCError as exc:
            self._queued = None  # until the next look
            if exc.status in NEVER_TELLS:
                self.limit = 0  # not for the rest of this command either
                self._say(
                    f"cannot tell how many tasks wait for the workers ({exc.message}); not holding back"
                )
            elif not self._said_failed:
                self._said_failed = True
                self._say(
                    f"could not tell how many tasks wait for the workers ({exc.message}); "
                    f"not holding back until the next look, in {self.every:g} s"
                )
            return None
        if before is not None and self._queued < before:
            self._shrank_at = now
        return self._queued

    def _stalled(self, queued: int, now: float) -> bool:
        """Whether the queue has been full and not shrinking for ``patience`` seconds."""
        if not self._said_waiting:
            self._said_waiting = True
            self._say(f"{queued} tasks wait for the workers: holding back until fewer than {self.limit}")
        if self._shrank_at is None:
            self._shrank_at = now
        if now - self._shrank_at < self.patience:
            return False
        if not self._said_stalled:
            self._said_stalled = True
            self._say(f"the workers' queue has not shrunk in {self.patience:g} s: sending anyway")
        return True
