"""``DailyDigestWorkflow``: one run per digest, orchestration only.

A workflow type of its own, so the digest changes no engagement's history: it reads
the engagements through their ``status`` query (inside its activity) and never
signals or updates them.  The run's clock fixes the day before the activity starts,
so a retried activity, even one past midnight, keeps the same ids.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from onboard.core.digest.activities import DigestActivities
    from onboard.core.digest.messages import DigestInput, DigestRequest, DigestResult

#: Listing, querying every waiting engagement and delivering every digest.
DIGEST_TIMEOUT = timedelta(minutes=30)
#: The activity heartbeats every few seconds, also while it waits for queries.
DIGEST_HEARTBEAT = timedelta(seconds=20)
#: A digest that cannot be delivered after these attempts is left to tomorrow's.
DIGEST_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_attempts=5)


@workflow.defn
class DailyDigestWorkflow:
    """Send today's digests: per person, what waits for them in every engagement."""

    @workflow.run
    async def run(self, inp: DigestInput) -> DigestResult:
        return await workflow.execute_activity_method(
            DigestActivities.send_digests,
            DigestRequest(workflow.now(), inp.time_zone, inp.task_queue, workflow.info().workflow_id),
            start_to_close_timeout=DIGEST_TIMEOUT,
            heartbeat_timeout=DIGEST_HEARTBEAT,
            retry_policy=DIGEST_RETRY,
        )
