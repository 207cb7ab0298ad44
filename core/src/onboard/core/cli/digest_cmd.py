"""``onboard digest``: send the daily digest now, or schedule it on the cluster.

``send`` runs ``DailyDigestWorkflow`` once and prints who got a digest; ``schedule``
creates or updates the one Temporal Schedule that runs it every day at a local time;
``unschedule`` deletes that schedule.  The digest itself runs on the workers (it
needs their plugins to deliver): a worker must poll ``--task-queue``.  What a digest
holds is described in :mod:`onboard.core.digest`.
"""

import asyncio
import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from onboard.core.cli.engagement_options import json_option, queue_option
from onboard.core.cli.output import console, print_json, table
from onboard.core.client import live_pollers
from onboard.core.connection import ConnectionOptions, connect, connection_options
from onboard.core.digest.messages import DigestInput, DigestResult
from onboard.core.digest.workflow import DailyDigestWorkflow
from onboard.core.errors import OnboardError
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    WorkflowFailureError,
)
from temporalio.exceptions import ActivityError
from temporalio.service import RPCError, RPCStatusCode

#: The one digest schedule of a namespace (``--schedule-id`` for another).
SCHEDULE_ID = "onboard-daily-digest"
#: A run missed while the cluster was down is still worth sending this late, not later.
CATCHUP_WINDOW = timedelta(hours=4)

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

schedule_id_option = click.option(
    "--schedule-id", default=SCHEDULE_ID, show_default=True, help="The Temporal Schedule's id."
)
timezone_option = click.option(
    "--timezone",
    "time_zone",
    default="UTC",
    show_default=True,
    help="IANA time zone of the digest's day (Europe/Berlin).",
)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise OnboardError(f"unknown time zone {name!r} (an IANA name such as Europe/Berlin or UTC)") from exc
    return name


def _at(value: str) -> tuple[int, int]:
    match = _TIME.match(value.strip())
    if not match:
        raise OnboardError(f"--at {value!r} is not a time of day HH:MM (24-hour, e.g. 08:00)")
    return int(match.group(1)), int(match.group(2))


@click.group()
def digest() -> None:
    """The daily digest: per person, everything that waits for them."""


@digest.command()
@timezone_option
@queue_option
@json_option
@connection_options
def send(connection: ConnectionOptions, time_zone: str, task_queue: str, as_json: bool) -> None:
    """Send today's digests now (a second run the same day sends nothing again)."""
    _zone(time_zone)

    async def main() -> DigestResult:
        client = await connect(connection)
        workflow_id = f"onboard-digest-{uuid.uuid4().hex[:12]}"
        try:
            handle = await client.start_workflow(
                DailyDigestWorkflow.run,
                DigestInput(time_zone, task_queue),
                id=workflow_id,
                task_queue=task_queue,
            )
        except RPCError as exc:
            raise OnboardError(f"cannot start the digest: {exc.message}") from exc
        try:
            return await asyncio.wait_for(handle.result(), connection.timeout)
        except TimeoutError:
            raise OnboardError(await _no_result(client, workflow_id, task_queue, connection)) from None
        except RPCError as exc:
            raise OnboardError(f"digest {workflow_id}: {exc.message}") from exc
        except WorkflowFailureError as exc:  # its activity's reason, not Temporal's wrapper
            cause = exc.cause.cause if isinstance(exc.cause, ActivityError) and exc.cause.cause else exc.cause
            raise OnboardError(f"digest {workflow_id} failed: {getattr(cause, 'message', cause)}") from exc

    result = asyncio.run(main())
    if as_json:
        print_json(result)
        return
    console.print(
        f"{len(result.digests)} digest(s) for {result.day} from {result.engagements} waiting engagement(s)"
        + (f"; {len(result.skipped)} did not answer" if result.skipped else "")
    )
    if result.digests:
        rows = table(None, "PERSON", "E-MAIL", "THINGS", "ENGAGEMENTS")
        for sent in result.digests:
            rows.add_row(sent.person, sent.email, str(sent.things), ", ".join(sent.engagements))
        console.print(rows)
    for line in result.skipped:
        console.print(f"[yellow]skipped {line}[/]")


async def _no_result(client: Client, workflow_id: str, task_queue: str, connection: ConnectionOptions) -> str:
    waited = f"digest {workflow_id} did not finish within {connection.timeout:g} s (--timeout)"
    try:
        live = await live_pollers(client, task_queue, connection.deadline)
    except RPCError:
        live = ["?"]
    if not live:
        return f"{waited}: no worker polls task queue {task_queue!r} (start `onboard worker`); it runs when one does"
    return f"{waited}; it goes on: `temporal workflow show --workflow-id {workflow_id}`"


def _schedule(hour: int, minute: int, time_zone: str, task_queue: str, schedule_id: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DailyDigestWorkflow.run,
            DigestInput(time_zone),
            id=f"{schedule_id}-run",  # the server appends the scheduled time
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)])],
            time_zone_name=time_zone,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
    )


@digest.command()
@click.option("--at", "at", default="08:00", show_default=True, metavar="HH:MM", help="Local time of day.")
@timezone_option
@schedule_id_option
@queue_option
@json_option
@connection_options
def schedule(
    connection: ConnectionOptions, at: str, time_zone: str, schedule_id: str, task_queue: str, as_json: bool
) -> None:
    """Send the digest every day at --at in --timezone (run again to change it)."""
    hour, minute = _at(at)
    wanted = _schedule(hour, minute, _zone(time_zone), task_queue, schedule_id)

    async def main() -> str:
        client = await connect(connection)
        try:
            await client.create_schedule(schedule_id, wanted, rpc_timeout=connection.deadline)
            return "created"
        except ScheduleAlreadyRunningError:
            pass
        except RPCError as exc:
            raise OnboardError(f"cannot create schedule {schedule_id!r}: {exc.message}") from exc
        try:
            await client.get_schedule_handle(schedule_id).update(
                lambda _current: ScheduleUpdate(schedule=wanted), rpc_timeout=connection.deadline
            )
        except RPCError as exc:
            raise OnboardError(f"cannot update schedule {schedule_id!r}: {exc.message}") from exc
        return "updated"

    done = asyncio.run(main())
    if as_json:
        at_time = f"{hour:02d}:{minute:02d}"
        print_json(
            {
                "schedule_id": schedule_id,
                "outcome": done,
                "at": at_time,
                "time_zone": time_zone,
                "task_queue": task_queue,
            }
        )
        return
    console.print(
        f"{done} schedule {schedule_id}: the digest every day at {hour:02d}:{minute:02d} {time_zone} "
        f"on task queue {task_queue}"
    )


@digest.command()
@schedule_id_option
@json_option
@connection_options
def unschedule(connection: ConnectionOptions, schedule_id: str, as_json: bool) -> None:
    """Stop the daily digest (delete its schedule)."""

    async def main() -> None:
        client = await connect(connection)
        try:
            await client.get_schedule_handle(schedule_id).delete(rpc_timeout=connection.deadline)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise OnboardError(f"no schedule {schedule_id!r}: the digest is not scheduled") from exc
            raise OnboardError(f"cannot delete schedule {schedule_id!r}: {exc.message}") from exc

    asyncio.run(main())
    if as_json:
        print_json({"schedule_id": schedule_id, "outcome": "deleted"})
    else:
        console.print(f"deleted schedule {schedule_id}: no more daily digests")


def register(group: click.Group) -> None:
    group.add_command(digest)
