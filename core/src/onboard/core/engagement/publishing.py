"""What the engagement shows outside itself, kept in step with its state: search
attributes (what ``onboard list`` and the Web UI filter on), the memo and the Web
UI's details (:mod:`.summary`).

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core import search_attributes as sa
    from onboard.core.engagement import rules, summary
    from onboard.core.models import EngagementState


class Publishing:
    """Upserts only when something changed: each one is an event in the history."""

    state: EngagementState
    _summarised: bool  # the run-summary patch
    _published: tuple | None
    _memo_published: dict | None

    def _publish(self) -> None:
        """Keep the search attributes (and the memo) in step with the state, when they change."""
        s = self.state
        services = list(s.plan.service_keys() if s.plan else s.spec.services)
        waiting = list(rules.awaiting(s))
        values = (s.phase.value, s.spec.tenant, tuple(services), tuple(waiting))
        if self._summarised:
            self._publish_memo(summary.memo(s, workflow.now()))
        if values == self._published:
            return
        self._published = values
        workflow.upsert_search_attributes(
            [
                sa.PHASE.value_set(s.phase.value),
                sa.TENANT.value_set(s.spec.tenant),
                sa.SERVICES.value_set(services),
                sa.AWAITING.value_set(waiting) if waiting else sa.AWAITING.value_unset(),
            ]
        )

    def _publish_memo(self, memo: dict) -> None:
        unchanged = {k: v for k, v in memo.items() if k != "updated_at"}
        if unchanged == self._memo_published:
            return
        self._memo_published = unchanged
        workflow.upsert_memo({summary.MEMO_KEY: memo})
        workflow.set_current_details(summary.details(self.state, workflow.now()))

    def _publish_ended(self) -> None:
        """This run awaits nobody any more (the next run, if any, says whom it awaits)."""
        if not self._summarised:
            return
        self._publish_memo(summary.memo(self.state, workflow.now(), ended=True))
        if self._published is not None and self._published[3]:
            self._published = (*self._published[:3], ())
            workflow.upsert_search_attributes([sa.AWAITING.value_unset()])
