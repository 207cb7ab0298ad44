"""The machinery of actions on many engagements (cli/bulk.py), without a server: which ids
are read, how many are in flight at once, what is reported and the exit status."""

import asyncio
import io
from typing import Any

import click
import pytest
from onboard.core.cli import approve_cmd, bulk
from onboard.core.client import AlreadyAppliedError, RejectedError
from onboard.core.errors import OnboardError
from onboard.core.models import GateDecision


def test_ids_from_the_line_and_stdin_each_once_in_order():
    piped = io.StringIO("engagement\tstatus\tphase\nb\trunning\tassess\n\n# a title\n  c  \na\n")
    assert bulk.engagement_ids(["a", "-", "d"], piped) == ["a", "b", "c", "d"]


def test_only_a_first_header_line_is_skipped():
    assert bulk.read_ids(io.StringIO("x\nengagement\n")) == ["x", "engagement"]


def test_nothing_on_stdin_is_a_usage_error():
    with pytest.raises(click.UsageError, match="no engagement ids on stdin"):
        bulk.engagement_ids(["-"], io.StringIO("engagement\n\n"))


def test_an_unreadable_stdin_is_one_error():
    class Unreadable(io.StringIO):
        def read(self, *_: Any) -> str:
            raise OSError("reading from stdin while output is captured")

    with pytest.raises(OnboardError, match="cannot read engagement ids from stdin"):
        bulk.engagement_ids(["-"], Unreadable())


def test_one_id_is_not_bulk_several_or_stdin_are():
    assert not approve_cmd.is_bulk("a", ())
    assert approve_cmd.is_bulk("a", ("b",)) and approve_cmd.is_bulk("-", ())


class Stub:
    """What :func:`bulk.each` uses of ``Engagements``: connect once, sign per engagement."""

    def __init__(self) -> None:
        self.connected = 0
        self.signed: list[str] = []

    async def connect(self) -> None:
        self.connected += 1

    def sign(self, engagement_id: str, arg: Any) -> Any:
        self.signed.append(engagement_id)
        return arg  # unsigned: no request id


async def test_at_most_so_many_at_once_and_every_outcome_in_order():
    in_flight, most = 0, 0
    ids = [f"e{n}" for n in range(40)]

    async def send(engagement_id: str, _arg: Any) -> str:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0)  # let the others start
        await asyncio.sleep(0)
        in_flight -= 1
        failures = {
            "e3": RejectedError("refused"),
            "e5": OnboardError("unknown"),
            "e7": AlreadyAppliedError("done"),
        }
        if engagement_id in failures:
            raise failures[engagement_id]
        if engagement_id == "e9":
            raise KeyError("a bug")
        return engagement_id.upper()

    reported: list[str] = []
    stub = Stub()
    outcomes = await bulk.each(
        stub,
        ids,
        GateDecision("kickoff", "pat", True),
        send,
        lambda o: reported.append(o.engagement_id),
        at_once=8,
    )  # type: ignore[arg-type]
    assert stub.connected == 1 and sorted(stub.signed) == sorted(ids)
    assert most == 8
    assert reported == ids == [o.engagement_id for o in outcomes]
    kinds = {o.engagement_id: o.outcome for o in outcomes}
    assert (kinds["e3"], kinds["e5"], kinds["e7"], kinds["e9"]) == (
        "rejected",
        "error",
        "already_applied",
        "error",
    )
    assert outcomes[9].error == "KeyError: 'a bug'" and outcomes[0].result == "E0"
    assert sum(o.outcome == "applied" for o in outcomes) == 36


async def test_a_problem_with_the_action_itself_is_said_once_and_nothing_is_sent():
    stub = Stub()

    async def send(*_: Any) -> None:
        raise AssertionError("sent")

    with pytest.raises(OnboardError, match="comment"):
        await bulk.each(stub, ["a", "b"], GateDecision("kickoff", "pat", True, "c" * 5000), send, print)  # type: ignore[arg-type]
    assert stub.connected == 0


@pytest.mark.parametrize(
    ("kinds", "code"),
    [
        (["applied", "already_applied"], 0),
        (["applied", "rejected"], 2),
        (["rejected", "error", "applied"], 1),
    ],
)
def test_the_exit_status_says_the_worst(kinds: list[str], code: int, capsys):
    outcomes = [bulk.Outcome(f"e{n}", kind) for n, kind in enumerate(kinds)]
    if code:
        with pytest.raises(click.exceptions.Exit) as exited:
            bulk.finish("approve", outcomes, as_json=False)
        assert exited.value.exit_code == code
    else:
        bulk.finish("approve", outcomes, as_json=False)
    assert capsys.readouterr().err.startswith(f"onboard: approve on {len(kinds)} engagements: ")
