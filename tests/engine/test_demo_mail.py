"""The demo's mail: the real channels plugin mails every notice to the local SMTP sink.

The demo's own engagement is played (``play``) by an in-process worker inside
``mail_sink``, as ``onboard demo`` does, so what is checked is what a user sees: a
summary naming pat and casey with their addresses and the kinds of mail they got,
and ``.eml`` files addressed to each of them alone with the notice's headers.
"""

import email
import os
import uuid
from email import policy
from pathlib import Path

import pytest
from onboard.core import demo_mail
from onboard.core.channels.config import CHANNELS_ENV
from onboard.core.client import Engagements
from onboard.core.demo import PERSONAS, play, sample_spec
from onboard.core.models import Phase
from onboard.core.trust import keys
from onboard.workers.worker import running_worker
from temporalio.client import Client


@pytest.mark.timeout(120)
async def test_the_demo_mails_each_persona_and_summarises_it(client: Client, tmp_path: Path):
    home = tmp_path / "demo"
    ring, allowed = keys.persona_keys(home / "keys", PERSONAS)
    task_queue = f"demo-{uuid.uuid4().hex[:8]}"
    spec = sample_spec()
    before = os.environ.get(CHANNELS_ENV)
    async with running_worker(client, task_queue=task_queue, allowed_signers=allowed):
        with demo_mail.mail_sink(home, spec.engagement_id, web_ui="http://127.0.0.1:8233") as box:
            assert os.environ[CHANNELS_ENV] == str(home / "mail" / "channels.yml")
            final = await play(
                Engagements(client, task_queue, signer=ring), spec, quiet=True, read_notices=True
            )
            received = box.messages()
    assert os.environ.get(CHANNELS_ENV) == before, "the demo's configuration is not left behind"
    assert final.phase is Phase.COMPLETED

    lines = demo_mail.summary(received, PERSONAS, box.folder, spec.engagement_id)
    text = "\n".join(lines)
    assert lines[0].startswith("pat <pat@fasttrack.example>: ")
    assert any(line.startswith("casey <casey@contoso.example>: ") for line in lines)
    assert "gate-open ×" in text and "steps-ready ×" in text and "completed ×1" in text
    assert f"{spec.engagement_id}:" not in text, "subjects are shown without the engagement id"
    assert lines[-1] == f"full messages (.eml): {home / 'mail' / spec.engagement_id}"

    files = sorted(box.folder.glob("*.eml"))
    assert len(files) == len(received) > 10
    by_person: dict[str, list[str]] = {"pat@fasttrack.example": [], "casey@contoso.example": []}
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        (address,) = [a.addr_spec for a in message["To"].addresses]  # one recipient per mail
        notice = message["X-Onboard-Notice"]
        assert notice.startswith(f"{spec.engagement_id}/")
        assert path.name.endswith(f"-{notice.rsplit('/', 1)[-1]}.eml")
        assert message["X-Onboard-Engagement"] == spec.engagement_id
        assert message["Subject"].startswith(f"{spec.engagement_id}: ")
        by_person[address].append(notice)
    for address, notices in by_person.items():
        assert len(notices) == len(set(notices)), f"{address} got a notice twice"
        count = f"{len(notices)} mails"
        assert any(line.startswith(f"{address.split('@')[0]} <{address}>: {count} — ") for line in lines)
    # The kick-off gate is the provider's; the remediation plan is the customer's.
    assert f"{spec.engagement_id}/1/gate-open" in by_person["pat@fasttrack.example"]
    assert f"{spec.engagement_id}/1/gate-open" not in by_person["casey@contoso.example"]
    assert any(n.endswith("/completed") for n in by_person["casey@contoso.example"])
