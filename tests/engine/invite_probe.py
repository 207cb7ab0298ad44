"""A workflow that builds a meeting's invite in the sandbox, as notice code will
(``Notification.calendar = meeting_ics(state, meeting_id)``)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core.meetings import meeting_ics
    from onboard.core.models import EngagementState


@workflow.defn
class InviteProbe:
    @workflow.run
    async def run(self, state: EngagementState, meeting_id: str) -> str:
        return meeting_ics(state, meeting_id)
