"""A customer-side worker assesses an engagement from the live directory, which the
provider's workers cannot reach: the DC listens only inside the lab's network
namespace, where the collector worker's activities run (as inside the customer's
network); only findings travel back, and re-assessment needs no shared folder."""

import uuid

import attrs
from onboard.core.client import Engagements
from onboard.core.collect.worker import CollectorActivities, load_collect_config
from onboard.core.models import LIVE_BUNDLE, Contact, GateDecision, Outcome, Reassessment
from onboard.workers.worker import running_worker

from tests.collect.conftest import Lab
from tests.engine.helpers import KEYS, make_spec, wait_for


async def test_the_customer_side_worker_assesses_what_the_provider_cannot_see(lab: Lab, client) -> None:
    provider_queue, collector_queue = f"provider-{uuid.uuid4().hex[:6]}", f"contoso-{uuid.uuid4().hex[:6]}"
    collector = CollectorActivities(lab.config(), in_network=lab.netns.call)
    async with (
        running_worker(client, task_queue=provider_queue),
        running_worker(client, task_queue=collector_queue, workflows=[], activities=collector.all()),
    ):
        engagements = Engagements(client, provider_queue, signer=KEYS)
        spec = attrs.evolve(make_spec(("core",), bundle=LIVE_BUNDLE), collector_queue=collector_queue)
        eid = spec.engagement_id
        await engagements.start(spec)
        await wait_for(engagements, eid, lambda s: s.state.plan is not None)
        await engagements.record_contact(eid, Contact("pat", "phoned"))
        await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
        await engagements.decide(eid, GateDecision("kickoff", "pat", True, "held"))
        status = await wait_for(engagements, eid, lambda s: s.state.assessment_round >= 1, timeout=120)
        assert not status.state.blocked
        readiness = next(f for f in status.state.findings if f.requirement_id == "core.directory-readiness")
        assert readiness.outcome is Outcome.FAIL and readiness.details, "the live directory's IdFix errors"
        assert "no assessment bundle" not in readiness.summary
        result = await engagements.reassess(eid, Reassessment("casey", LIVE_BUNDLE))
        assert result.round == 2, "re-assessed from anywhere: the customer-side worker collected again"

        # Without a customer-side worker, the provider's workers are asked, and cannot reach it.
        alone = make_spec(("core",), bundle=LIVE_BUNDLE)
        await engagements.start(alone)
        await wait_for(engagements, alone.engagement_id, lambda s: s.state.plan is not None)
        await engagements.record_contact(alone.engagement_id, Contact("pat", "phoned"))
        await wait_for(engagements, alone.engagement_id, lambda s: s.state.gates["kickoff"].open)
        await engagements.decide(alone.engagement_id, GateDecision("kickoff", "pat", True, "held"))
        blocked = await wait_for(
            engagements, alone.engagement_id, lambda s: bool(s.state.blocked), timeout=60
        )
        assert (
            "cannot reach" in blocked.state.blocked and "onboard worker --collector" in blocked.state.blocked
        )


def test_the_collector_configuration_file(tmp_path) -> None:
    path = tmp_path / "collector.toml"
    path.write_text(
        'servers = ["ldap://dc1.corp.example"]\nuser = "svc@corp.example"\npassword = "env:ONBOARD_LDAP"\n'
        'dns_servers = ["10.0.0.53"]\n'
    )
    config = load_collect_config(path)
    assert config.servers[0].host == "dc1.corp.example" and config.password.source == "env"
    path.write_text('servers = ["ldap://dc1"]\nuser = "svc"\npassword = "hunter2"\n')
    try:
        load_collect_config(path)
    except Exception as exc:
        assert str(path) in str(exc) and "password source" in str(exc)
    else:
        raise AssertionError("a password in the file is refused")
    path.write_text('servers = ["ldap://dc1"]\nusr = "svc"\n')
    try:
        load_collect_config(path)
    except Exception as exc:
        assert "unknown key 'usr'" in str(exc)
