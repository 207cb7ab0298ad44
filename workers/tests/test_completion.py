"""Shell completion of engagement, gate and item ids, against a real engagement on a real server.

The CLI is run as the shell runs it for completion (``_ONBOARD_COMPLETE``,
``COMP_WORDS``, ``COMP_CWORD``); the completers not yet attached to a command are
driven through click's own completion machinery on a command that uses them.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import click
import pytest
from onboard.core.cli import cli, completion
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.gates import GATES
from onboard.core.models import Contact, GateDecision, Phase
from onboard.workers.devserver import DevServer
from onboard.workers.worker import running_worker
from temporalio.client import Client
from workers_testing import KEYS, make_spec, onboard_executable

PROBE = Path(__file__).with_name("workers_completion_probe.py")


def shell_complete(*words: str, shell: str = "bash", probe: bool = False) -> subprocess.CompletedProcess[str]:
    """What ``onboard`` offers for the last of ``words`` ("" for a fresh word), as ``shell`` asks.

    ``probe``: the probe command (the completers on approve-, reject- and
    complete-shaped arguments) instead of ``onboard``.
    """
    line = ["onboard", *words]
    env = {
        **os.environ,
        "_ONBOARD_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": " ".join(line),
        # bash and zsh give the index of the word being completed, fish the word itself.
        "COMP_CWORD": line[-1] if shell == "fish" else str(len(line) - 1),
    }
    command = [sys.executable, str(PROBE)] if probe else [onboard_executable()]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def bash_values(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]


@pytest.fixture(scope="module")
async def engagement(dev_server: DevServer, dev_client: Client) -> AsyncIterator[str]:
    """An engagement in Assess, its items planned, with a worker to answer its queries."""
    task_queue = f"complete-{uuid.uuid4().hex[:8]}"
    async with running_worker(dev_client, task_queue=task_queue):
        engagements = Engagements(dev_client, task_queue, signer=KEYS)
        spec = make_spec(f"cmpl-{uuid.uuid4().hex[:8]}")
        await engagements.start(spec)
        await _until(engagements, spec.engagement_id, lambda s: s.state.plan is not None)
        await engagements.record_contact(spec.engagement_id, Contact("pat", "called"))
        await engagements.decide(spec.engagement_id, GateDecision("kickoff", "pat", True, "held"))
        await _until(engagements, spec.engagement_id, lambda s: s.phase is Phase.ASSESS and s.state.items)
        yield spec.engagement_id


async def _until(engagements: Engagements, engagement_id: str, predicate) -> None:
    for _ in range(300):
        try:
            if predicate(await engagements.status(engagement_id)):
                return
        except OnboardError:  # not started yet
            pass
        await asyncio.sleep(0.1)
    pytest.fail(f"engagement {engagement_id} did not get there")


async def test_engagement_ids_complete_from_visibility(dev_server: DevServer, engagement: str):
    done = await asyncio.to_thread(shell_complete, "request", "--address", dev_server.address, "cmpl-")
    assert engagement in bash_values(done)
    narrowed = await asyncio.to_thread(
        shell_complete, "audit", "export", "--address", dev_server.address, engagement[:-1]
    )
    assert bash_values(narrowed) == [engagement]


async def test_zsh_and_fish_see_the_customer_and_phase(dev_server: DevServer, engagement: str):
    zsh = await asyncio.to_thread(
        shell_complete, "request", "--address", dev_server.address, engagement, shell="zsh"
    )
    assert zsh.returncode == 0
    assert zsh.stdout.splitlines()[:3] == ["plain", engagement, "Contoso, assess"]
    fish = await asyncio.to_thread(
        shell_complete, "request", "--address", dev_server.address, engagement, shell="fish"
    )
    assert fish.stdout.splitlines() == [f"plain,{engagement}\tContoso, assess"]


async def test_the_documented_bash_set_up_completes_ids_in_bash(dev_server: DevServer, engagement: str):
    # docs/completion.md: eval "$(_ONBOARD_COMPLETE=bash_source onboard)", with onboard on PATH.
    script = f"""
        eval "$(_ONBOARD_COMPLETE=bash_source onboard)"
        COMP_WORDS=(onboard audit export --address {dev_server.address} cmpl-)
        COMP_CWORD=5
        _onboard_completion onboard
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = {**os.environ, "PATH": f"{Path(onboard_executable()).parent}{os.pathsep}{os.environ['PATH']}"}
    done = await asyncio.to_thread(
        subprocess.run, ["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert engagement in done.stdout.splitlines()


def test_an_unreachable_server_completes_nothing_silently():
    done = shell_complete("request", "--address", "127.0.0.1:9", "")  # the discard port: refused
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")


async def test_gates_items_and_steps_complete_from_the_engagement(dev_server: DevServer, engagement: str):
    def offered(*words: str) -> list[str]:
        return bash_values(shell_complete("--address", dev_server.address, *words, probe=True))

    assert await asyncio.to_thread(offered, engagement, "") == [g.id for g in GATES]
    assert await asyncio.to_thread(offered, engagement, "rem") == ["remediation-plan"]

    items = await asyncio.to_thread(offered, engagement, "kickoff", "fix.")
    assert "fix.core.global-admin" in items and all(i.startswith("fix.core.") for i in items)
    # An option's value: click leaves the arguments unparsed, the id is read from the line.
    reopen = await asyncio.to_thread(offered, engagement, "kickoff", "--reopen", "")
    assert set(items) <= set(reopen)
    assert await asyncio.to_thread(offered, "no-such-engagement", "kickoff", "") == []


COMMANDS_TO_WIRE = [  # (command path, parameter, the completer it should use)
    *(((c,), "engagement_id", "engagement_ids") for c in ("approve", "reject", "complete", "contact")),
    *(((c,), "engagement_id", "engagement_ids") for c in ("reassess", "resume", "waive", "due")),
    *(((c,), "engagement_id", "any_engagement_ids") for c in ("show", "report", "request")),
    (("audit", "export"), "engagement_id", "any_engagement_ids"),
    (("approve",), "gate", "gate_ids"),
    (("reject",), "gate", "gate_ids"),
    (("reject",), "reopen", "item_ids"),
    (("complete",), "item", "completable_ids"),
    (("waive",), "item", "open_item_ids"),
    (("due",), "item", "open_item_ids"),
    (("show",), "subject", "subject_ids"),
]


@pytest.mark.parametrize(("path", "name", "completer"), COMMANDS_TO_WIRE)
def test_the_cli_arguments_use_the_completers(path: tuple[str, ...], name: str, completer: str):
    command: click.Command = cli
    for part in path:
        assert isinstance(command, click.Group)
        command = command.commands[part]
    param = next(p for p in command.params if p.name == name)
    wired = param._custom_shell_complete  # type: ignore[attr-defined]
    if wired is None:
        pytest.skip(f"`onboard {' '.join(path)}` {name}: shell_complete=completion.{completer} not wired yet")
    assert wired is getattr(completion, completer)


async def test_after_the_first_id_approve_and_complete_offer_what_comes_next_and_more_ids(
    dev_server: DevServer, engagement: str
):
    # `onboard approve ID [ID]... GATE`: the second word may be the gate or another id.
    approve = bash_values(
        await asyncio.to_thread(shell_complete, "approve", "--address", dev_server.address, engagement, "")
    )
    assert approve[: len(GATES)] == [g.id for g in GATES] and engagement in approve
    complete = bash_values(
        await asyncio.to_thread(
            shell_complete, "complete", "--address", dev_server.address, engagement, "fix."
        )
    )
    assert "fix.core.global-admin" in complete
