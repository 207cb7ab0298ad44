"""Timeouts and retry policies of the engagement's activities, shared by its workflows."""

from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

PLAN_TIMEOUT = timedelta(minutes=5)
ASSESS_TIMEOUT = timedelta(hours=2)
STEP_TIMEOUT = timedelta(minutes=30)
NOTIFY_TIMEOUT = timedelta(minutes=1)
#: Assessments and steps heartbeat (activities.HEARTBEAT_EVERY); silence this long
#: means the worker is gone and the activity is retried elsewhere.
HEARTBEAT_TIMEOUT = timedelta(minutes=2)
#: Since the quick-heartbeats patch every activity heartbeats (every few seconds), so
#: a dead worker is noticed in this long, planning and notices included.
QUICK_HEARTBEAT_TIMEOUT = timedelta(seconds=20)
#: Transient trouble is retried; after this many attempts a person is asked.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=8,
)
NOTIFY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)
JOURNAL_TIMEOUT = timedelta(minutes=1)
#: After the journal's retries are spent, the records wait this long and go again.
JOURNAL_RETRY_AFTER = timedelta(minutes=10)
#: How long a finished engagement waits for its journal before it completes anyway.
JOURNAL_DRAIN = timedelta(hours=1)


def cause(err: ActivityError) -> str:
    """The message of what went wrong inside the activity, not Temporal's wrapper."""
    return getattr(err.cause, "message", None) or str(err.cause or err)
