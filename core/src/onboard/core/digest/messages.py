"""What the digest workflow and its activity pass each other (attrs, via onboard's converter).

Kept apart from the workflow module so that the workflow sandbox sees them as
passed-through classes (a ``datetime`` field in a class defined in a workflow
module does not decode inside the sandbox).
"""

from datetime import datetime

from attrs import field, frozen


@frozen
class DigestInput:
    """One digest run.

    ``time_zone`` names the day the digests belong to (their ids carry it, so a rerun
    the same day in that zone sends nothing twice); a schedule passes its own zone.
    ``task_queue`` picks the engagements: those on that queue, ``""`` for the queue
    the digest itself runs on (the workers' queue, where the engagements are).
    """

    time_zone: str = "UTC"
    task_queue: str = ""


@frozen
class DigestRequest:
    """The activity's input: the run's input plus the workflow's clock and id."""

    at: datetime
    time_zone: str = "UTC"
    task_queue: str = ""
    run_id: str = ""  # the digest workflow's id: the notices' "engagement" (their Web UI link)


@frozen
class DigestSent:
    """One person's digest: who, how many things, and its idempotency key."""

    id: str
    person: str
    email: str
    things: int
    engagements: tuple[str, ...] = field(default=(), converter=tuple)


@frozen
class DigestResult:
    """What a run did: the day, the digests handed to the sinks, what it could not read."""

    day: str
    engagements: int
    digests: tuple[DigestSent, ...] = field(default=(), converter=tuple)
    #: ``engagement: reason`` for engagements that did not answer their status query.
    skipped: tuple[str, ...] = field(default=(), converter=tuple)
