"""The approver's side of an engagement: start, list, show, decide, complete.

Used by the CLI, the demo and the tests.  Temporal's errors become
:class:`~onboard.core.errors.OnboardError` with a message that names the
engagement, and a rejected Update carries the workflow's reason.
"""

from __future__ import annotations  # the annotations name models that approve does not load

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs
from onboard.core import diagnosis, limits, workflow_api
from onboard.core.errors import OnboardError
from onboard.core.models import Signature, is_id
from onboard.core.pollers import live_pollers
from onboard.core.pollers import no_worker as _no_worker
from onboard.core.settings import TASK_QUEUE
from onboard.core.trust import actions, sshsig
from onboard.core.trust.keys import SignerFor
from onboard.core.workflow_api import WORKFLOW_TYPE
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    # Only annotations: most of the models (the plan, the state), the workflow's messages
    # and the listing are imported where a method needs them, so that one Update loads
    # only the models it sends and receives.
    from onboard.core.engagement.messages import ReassessResult
    from onboard.core.listing import EngagementSummary
    from onboard.core.models import (
        AuditRecord,
        Cancellation,
        Closure,
        Completion,
        Contact,
        DueChange,
        EngagementProgress,
        EngagementSpec,
        EngagementStatus,
        GateDecision,
        GateState,
        ItemState,
        MeetingMove,
        MovedMeeting,
        Pause,
        PlanChange,
        Reassessment,
        Resume,
        RosterAck,
        RosterChange,
        ScopeChange,
        Unpause,
        Waiver,
    )

#: How long an action waits for the engagement's answer before the CLI explains why not.
ACTION_TIMEOUT = timedelta(seconds=30)
#: Seconds a client trusts that a live worker it saw is still there.
LIVE_REMEMBERED = 10.0
#: Half-seconds a client looks again before it says no worker polls.
NO_WORKER_RECHECKS = 3


class RejectedError(OnboardError):
    """The engagement refused an Update (wrong person, gate not open, …)."""


class AlreadyAppliedError(OnboardError):
    """The action was sent again and had already been applied (the message names its record)."""


class Engagements:
    """Engagement operations over one Temporal client.

    ``signer`` gives the key each person signs with (the CLI: the one key it found;
    the demo and tests: a :class:`~onboard.core.trust.keys.KeyRing`).  Every action
    is then signed over its canonical statement, and its nonce is the Update id, so
    a resend after a timeout is the same Update to the server.  Without a signer the
    actions go unsigned, which only an engagement whose policy allows it accepts.
    """

    def __init__(
        self,
        client: Client | Callable[[], Awaitable[Client]],
        task_queue: str = TASK_QUEUE,
        signer: SignerFor | None = None,
        timeout: timedelta = ACTION_TIMEOUT,
    ) -> None:
        # The CLI passes a way to connect: mistakes in what the user typed are then
        # reported before anything needs a server.
        self._client, self._connect = (client, None) if isinstance(client, Client) else (None, client)
        self.task_queue = task_queue
        self.signer = signer
        self.timeout = timeout
        #: The Update id (a signed action's nonce) of the last action sent, for ``--json``.
        self.last_request_id: str | None = None
        self._queues: dict[str, str] = {}  # engagement id -> its task queue
        self._live_at: dict[str, float] = {}  # task queue -> when a live worker was seen

    @property
    def client(self) -> Client:
        if self._client is None:
            raise RuntimeError("Engagements used before connecting (await a method first)")
        return self._client

    async def connect(self) -> None:
        """Connect now (once): before sending actions to many engagements at the same time,
        which would otherwise each open a connection."""
        await self._ready()

    async def _ready(self, engagement_id: str | None = None) -> None:
        if engagement_id is not None and not is_id(engagement_id):
            shown = engagement_id if len(engagement_id) <= 60 else engagement_id[:60] + "…"
            raise OnboardError(
                f"{shown!r} is not an engagement id (lower-case letters, digits, '.', '_', ':' "
                "and '-', at most 200)"
            )
        if self._client is None:
            assert self._connect is not None
            self._client = await self._connect()

    async def start(self, spec: EngagementSpec) -> WorkflowHandle:
        from onboard.core.engagement.messages import EngagementInput

        await self._ready()
        try:
            return await self.client.start_workflow(
                WORKFLOW_TYPE,
                EngagementInput(spec),
                result_type=workflow_api.WORKFLOW_RESULT,
                id=spec.engagement_id,
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=sa_initial(spec),
                static_summary=f"{spec.customer}: {', '.join(spec.services)}",
            )
        except WorkflowAlreadyStartedError as exc:
            raise OnboardError(f"engagement {spec.engagement_id!r} already exists") from exc
        except RPCError as exc:
            why = await self._unregistered() if "search attribute" in exc.message else ""
            raise OnboardError(
                f"cannot start engagement {spec.engagement_id!r}: {why or exc.message}"
            ) from exc

    async def _unregistered(self) -> str:
        """Which search attributes the namespace lacks, and the command that adds them ("" if none)."""
        from onboard.core import search_attributes as sa

        try:
            found = await sa.registration(self.client)
        except RPCError:  # no operator rights: the server's own message must do
            return ""
        return found.problem(self.client.service_client.config.target_host)

    def handle(self, engagement_id: str) -> WorkflowHandle[Any, EngagementStatus]:
        return self.client.get_workflow_handle(engagement_id, result_type=workflow_api.WORKFLOW_RESULT)

    def _handle(self, engagement_id: str) -> WorkflowHandle:
        """A handle for queries, Updates and describe: each names its own answer's type,
        and the run's result type (the whole state's models) is not needed for them."""
        return self.client.get_workflow_handle(engagement_id)

    async def status(self, engagement_id: str) -> EngagementStatus:
        return await self._query(engagement_id, "status")

    async def progress(self, engagement_id: str) -> EngagementProgress:
        return await self._query(engagement_id, "progress")

    async def request(self, engagement_id: str, request_id: str) -> AuditRecord | None:
        """The audit record of the signed action with this request id (nonce), or None."""
        return await self._query(engagement_id, "request", request_id)

    async def _query(self, engagement_id: str, query: str, *args: Any) -> Any:
        await self._ready(engagement_id)
        nobody = await self._no_worker_now(engagement_id)
        if nobody:  # a query is answered by a worker: say so now, not after the timeout
            raise OnboardError(f"engagement {engagement_id!r} cannot answer: {nobody}")
        try:
            return await self._handle(engagement_id).query(
                query, *args, result_type=workflow_api.query_answer(query), rpc_timeout=self.timeout
            )
        except RPCError as exc:
            if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                raise OnboardError(
                    await self._stuck(engagement_id) or await self._no_reply(engagement_id)
                ) from exc
            raise _not_found(engagement_id, exc) from exc
        except WorkflowQueryFailedError as exc:
            stuck = await self._stuck(engagement_id)
            raise OnboardError(
                stuck or f"engagement {engagement_id!r} could not answer: {exc.message}"
            ) from exc

    async def _stuck(self, engagement_id: str) -> str:
        """``engagement X is stuck: …`` when its workflow task keeps failing, else ""."""
        try:
            why = await diagnosis.task_failure(self.client, engagement_id, self.timeout)
        except RPCError:
            return ""
        return (
            f"engagement {engagement_id!r} is stuck: {why} (the way out: {diagnosis.WAY_OUT})" if why else ""
        )

    async def stuck(self, engagement_ids: list[str]) -> dict[str, str]:
        """Why each of these engagements is stuck, for those that are."""
        await self._ready()
        return await diagnosis.task_failures(self.client, engagement_ids, self.timeout)

    async def _no_reply(self, engagement_id: str) -> str:
        """Why a query got no answer in time (queries are answered by a worker)."""
        waited = f"engagement {engagement_id!r} did not answer within {self.timeout.total_seconds():g} s"
        workers = await self._workers_of(engagement_id)
        if workers is None:
            return f"{waited} (the Temporal server did not answer either)"
        queue, live = workers
        if not live:
            return f"{waited}: {_no_worker(queue)}"
        return f"{waited} though a worker polls {queue!r}: it may be overloaded or stuck (its log says why)"

    async def _no_worker_now(self, engagement_id: str) -> str:
        """Why no worker can answer for the engagement now ("" when one polls its queue,
        or when the server cannot tell: the call itself then says what is wrong).

        A live worker is remembered for a while, per task queue, so polling commands cost
        no extra calls and an action on many engagements of one queue asks once."""
        loop = asyncio.get_running_loop()

        def fresh(queue: str) -> bool:
            return loop.time() - self._live_at.get(queue, -1e9) < LIVE_REMEMBERED

        queue, live = self._queues.get(engagement_id), None
        if queue is None:
            # The engagement's queue is nearly always this client's: ask for its pollers at
            # the same time (one round trip, not two), unless a live worker was seen there.
            guess = None if fresh(self.task_queue) else self.task_queue
            described, polled = await asyncio.gather(
                self._handle(engagement_id).describe(rpc_timeout=self.timeout),
                live_pollers(self.client, guess, self.timeout) if guess else asyncio.sleep(0),
                return_exceptions=True,
            )
            if isinstance(described, RPCError):
                return ""
            for result in (described, polled):
                if isinstance(result, BaseException) and not isinstance(result, RPCError):
                    raise result
            queue = self._queues[engagement_id] = described.task_queue
            if queue == guess:
                if isinstance(polled, RPCError):
                    return ""
                live = polled
        if live is None:
            if fresh(queue):
                return ""
            try:
                live = await live_pollers(self.client, queue, self.timeout)
            except RPCError:
                return ""
        for _ in range(NO_WORKER_RECHECKS):  # a worker that is starting polls within moments
            if live:
                break
            await asyncio.sleep(0.5)
            try:
                live = await live_pollers(self.client, queue, self.timeout)
            except RPCError:
                return ""
        if live:
            self._live_at[queue] = loop.time()
            return ""
        return _no_worker(queue)

    async def _workers_of(self, engagement_id: str) -> tuple[str, list[str]] | None:
        """The engagement's task queue and the workers polling it (None: no answer)."""
        try:
            queue = (await self._handle(engagement_id).describe(rpc_timeout=self.timeout)).task_queue
            return queue, await live_pollers(self.client, queue, self.timeout)
        except RPCError:
            return None

    async def decide(self, engagement_id: str, decision: GateDecision) -> GateState:
        return await self._update(engagement_id, "decide", decision)

    async def complete(self, engagement_id: str, completion: Completion) -> str:
        return await self._update(engagement_id, "complete", completion)

    async def record_contact(self, engagement_id: str, contact: Contact) -> None:
        await self._update(engagement_id, "record_contact", contact)

    async def reassess(self, engagement_id: str, request: Reassessment) -> ReassessResult:
        return await self._update(engagement_id, "reassess", request)

    async def resume(self, engagement_id: str, request: Resume) -> None:
        await self._update(engagement_id, "resume", request)

    async def waive(self, engagement_id: str, waiver: Waiver) -> ItemState:
        return await self._update(engagement_id, "waive", waiver)

    async def move_due(self, engagement_id: str, change: DueChange) -> ItemState:
        return await self._update(engagement_id, "move_due", change)

    async def cancel(self, engagement_id: str, cancellation: Cancellation) -> None:
        await self._update(engagement_id, "cancel", cancellation)

    async def move_meeting(self, engagement_id: str, move: MeetingMove) -> MovedMeeting:
        return await self._update(engagement_id, "move_meeting", move)

    async def close(self, engagement_id: str, closure: Closure) -> None:
        await self._update(engagement_id, "close", closure)

    async def pause(self, engagement_id: str, pause: Pause) -> None:
        await self._update(engagement_id, "pause", pause)

    async def unpause(self, engagement_id: str, unpause: Unpause) -> None:
        await self._update(engagement_id, "unpause", unpause)

    async def change_roster(self, engagement_id: str, change: RosterChange) -> str:
        return await self._update(engagement_id, "change_roster", change)

    async def acknowledge_roster(self, engagement_id: str, ack: RosterAck) -> str:
        return await self._update(engagement_id, "acknowledge_roster", ack)

    async def change_scope(self, engagement_id: str, change: ScopeChange) -> PlanChange:
        return await self._update(engagement_id, "change_scope", change)

    def sign(self, engagement_id: str, arg: Any) -> Any:
        """``arg`` with its signature (unchanged without a signer or if already signed)."""
        if self.signer is None or arg.signature is not None:
            return arg
        signed_at, nonce = actions.signing_time(), actions.new_nonce()
        statement = actions.describe(engagement_id, arg).statement(signed_at, nonce)
        armored = sshsig.sign(self.signer(arg.person), statement)
        return attrs.evolve(arg, signature=Signature(signed_at, nonce, armored))

    async def _update(self, engagement_id: str, update: str, arg: Any) -> Any:
        problem = limits.action_problem(arg)
        if problem:  # the engagement would refuse it; say so before signing and sending
            raise OnboardError(f"engagement {engagement_id[:60]!r}: {problem}")
        await self._ready(engagement_id)
        nobody = await self._no_worker_now(engagement_id)
        if nobody:  # sent now, it would wait on the server and apply later, unseen
            what = actions.describe(engagement_id, arg).action
            raise OnboardError(f"engagement {engagement_id!r}: {nobody}; the {what} was not sent")
        arg = self.sign(engagement_id, arg)
        # One id for every attempt: the server runs an Update once per id.
        update_id = arg.signature.nonce if arg.signature is not None else uuid.uuid4().hex
        self.last_request_id = update_id
        try:
            return await self._send_update(engagement_id, update, arg, update_id)
        except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
            raise OnboardError(await self._no_answer(engagement_id, arg)) from exc
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            message = getattr(cause, "message", None) or str(cause or exc)
            # Validators raise ValueError subclasses; the SDK prefixes the type name.
            for prefix in ("AlreadyApplied: ", "Rejected: ", "ValueError: "):
                message = message.removeprefix(prefix)
            if getattr(cause, "type", None) == "AlreadyApplied" or "already applied:" in message:
                raise AlreadyAppliedError(f"engagement {engagement_id!r}: {message}") from exc
            raise RejectedError(f"engagement {engagement_id!r} rejected the request: {message}") from exc
        except RPCError as exc:
            raise _not_found(engagement_id, exc) from exc

    async def _send_update(self, engagement_id: str, update: str, arg: Any, update_id: str) -> Any:
        """Send the Update; while the engagement's workflow task is failing (it is retried
        by the server, e.g. a run ending as the Update arrives), send it again, same id."""
        deadline = asyncio.get_running_loop().time() + self.timeout.total_seconds()
        while True:
            try:
                return await self._handle(engagement_id).execute_update(
                    update,
                    arg,
                    id=update_id,
                    result_type=workflow_api.update_answer(update),
                    rpc_timeout=self.timeout,
                )
            except RPCError as exc:
                not_ready = exc.status == RPCStatusCode.FAILED_PRECONDITION and "workflow task" in exc.message
                if not not_ready or asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async def _no_answer(self, engagement_id: str, arg: Any) -> str:
        """Why an action got no answer in time, and what becomes of it."""
        waited = f"engagement {engagement_id!r} did not answer within {self.timeout.total_seconds():g} s"
        if arg.signature is None:
            fate = "a resend is a new action; `onboard show` tells whether this one was applied"
        else:
            fate = (
                f"it stays on the server and is applied only if a worker takes it before its signature "
                f"expires (signed at {actions.format_time(arg.signature.signed_at)}; the engagement's "
                "window, 10 minutes by default), never after; "
                f"`onboard request {engagement_id} {arg.signature.nonce}` tells what became of it"
            )
        workers = await self._workers_of(engagement_id)
        if workers is None:
            return f"{waited}; {fate}"
        queue, live = workers
        if not live:
            return f"{waited}: {_no_worker(queue)}; {fate}"
        return f"{waited} (a worker polls {queue!r}); {fate}"

    async def list(self, *, limit: int | None = None, **filters: Any) -> list[EngagementSummary]:
        """One row per engagement (its latest run), every page unless ``limit`` says fewer;
        ``filters`` are :func:`~onboard.core.listing.list_query`'s (running only by default)."""
        from onboard.core.listing import list_engagements, list_query

        await self._ready()
        return await list_engagements(self.client, list_query(**filters), limit=limit, timeout=self.timeout)

    async def count(self, **filters: Any) -> int | None:
        """How many engagements :meth:`list` would list without a limit (None: the server cannot say)."""
        from onboard.core.listing import count_engagements, list_query

        await self._ready()
        return await count_engagements(self.client, list_query(**filters), timeout=self.timeout)


def sa_initial(spec: EngagementSpec) -> TypedSearchAttributes:
    """Set at start so a new engagement is listed before its first workflow task."""
    from onboard.core import search_attributes as sa  # here: the actions never set them

    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.PHASE, "initiate"),
            SearchAttributePair(sa.TENANT, spec.tenant),
            SearchAttributePair(sa.SERVICES, list(spec.services)),
        ]
    )


def _not_found(engagement_id: str, exc: RPCError) -> OnboardError:
    if exc.status == RPCStatusCode.NOT_FOUND:
        if "completed" in exc.message or "closed" in exc.message:
            return OnboardError(f"engagement {engagement_id!r} has finished: {exc.message}")
        return OnboardError(f"unknown engagement {engagement_id!r}")
    return OnboardError(f"engagement {engagement_id!r}: {exc.message}")
